"""Files under MEDIA_ROOT that no row points at: an upload, renditions or a thumbnail written
by a save or a task killed before its row was (`kill -9` during an upload), renditions of a
replaced image. `manage.py remove_orphan_media` deletes those older than an hour, and backups
leave every one of them out.

Files are aged with os.utime, never by waiting.
"""

import io
import os
import tarfile
import time
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from PIL import Image

from briefs.editorial.revisions import record_revision
from briefs.models import Brief, rendition_files
from briefs.tasks import make_lead_image_renditions
from experts.models import Expert
from experts.tasks import make_photo_thumbnail
from tests.factories import BriefFactory, ExpertFactory

pytestmark = pytest.mark.django_db

HOUR = 3600


def png(colour="#12355b"):
    output = BytesIO()
    Image.new("RGB", (900, 600), colour).save(output, "PNG")
    return SimpleUploadedFile("picture.png", output.getvalue())


def aged(path, hours):
    """The file as if last written `hours` ago."""
    then = time.time() - hours * HOUR
    os.utime(path, (then, then))
    return path


def left_by_a_killed_upload(media_root, stem="killed"):
    """An original and its renditions written by a save that never committed."""
    written = [media_root / "briefs" / "images" / f"{stem}.png"]
    written += [
        media_root / "briefs" / "renditions" / f"{stem}-{label}.{extension}"
        for label in ("480", "thumbnail")
        for extension in ("webp", "jpeg")
    ]
    for path in written:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half of an upload")
    return written


@pytest.fixture
def site_with_images(media_root):
    """A brief with its lead image and renditions, and an expert with a photo and thumbnail;
    every one of their files written two hours ago."""
    brief = BriefFactory(lead_image=png(), lead_image_alt="A picture")
    make_lead_image_renditions(brief.pk)
    expert = ExpertFactory(photo=png())
    make_photo_thumbnail(expert.pk)
    for path in media_root.rglob("*"):
        if path.is_file():
            aged(path, 2)
    brief, expert = Brief.objects.get(), Expert.objects.get()
    names = [brief.lead_image.name, *rendition_files(brief.lead_image_renditions)]
    names += [expert.photo.name, expert.photo_thumbnail.name]
    assert len(names) == 11
    return [media_root / name for name in names]


def remove_orphans(*options):
    output = io.StringIO()
    call_command("remove_orphan_media", *options, stdout=output)
    return output.getvalue()


def test_an_orphan_older_than_an_hour_is_removed_and_a_referenced_file_is_kept(
    site_with_images, media_root
):
    orphans = [aged(path, 2) for path in left_by_a_killed_upload(media_root)]

    output = remove_orphans()

    assert not [path for path in orphans if path.exists()]
    assert all(path.is_file() for path in site_with_images)
    assert "briefs/images/killed.png (0 kB, written 2.0 hours ago)" in output
    assert "Removed 5 files (0.0 MB) that no row points at, written more than 1 hour ago." in (
        output
    )


def test_a_fresh_orphan_is_kept_as_it_may_be_an_upload_in_progress(site_with_images, media_root):
    in_progress = [aged(path, 0.5) for path in left_by_a_killed_upload(media_root)]

    output = remove_orphans()

    assert all(path.is_file() for path in in_progress)
    assert "Removed 0 files" in output
    assert "Removed 5 files" in remove_orphans("--older-than-hours", "0.25")


def test_a_dry_run_lists_the_orphans_and_removes_nothing(site_with_images, media_root):
    orphans = [aged(path, 30) for path in left_by_a_killed_upload(media_root)]

    output = remove_orphans("--dry-run")

    assert all(path.is_file() for path in orphans)
    assert "briefs/renditions/killed-thumbnail.webp (0 kB, written 30.0 hours ago)" in output
    assert "Would remove 5 files" in output


def test_a_replaced_lead_image_is_kept_for_its_revision_and_its_old_renditions_removed(
    media_root,
):
    brief = BriefFactory(lead_image=png(), lead_image_alt="A picture")
    make_lead_image_renditions(brief.pk)
    record_revision(brief, None)
    brief.refresh_from_db()
    first, old_renditions = brief.lead_image.name, rendition_files(brief.lead_image_renditions)
    brief.lead_image = png(colour="#7a2e3a")
    brief.save()
    make_lead_image_renditions(brief.pk)
    for path in media_root.rglob("*"):
        if path.is_file():
            aged(path, 2)

    remove_orphans()

    # Restoring the revision brings the first image back (with renditions made again).
    assert (media_root / first).is_file()
    assert not [name for name in old_renditions if (media_root / name).exists()]
    brief.refresh_from_db()
    for name in [brief.lead_image.name, *rendition_files(brief.lead_image_renditions)]:
        assert (media_root / name).is_file()


def test_a_negative_age_is_refused():
    with pytest.raises(CommandError, match="cannot be negative"):
        remove_orphans("--older-than-hours", "-1")


def test_a_backups_archive_does_not_contain_an_orphan(site_with_images, media_root, tmp_path):
    old = left_by_a_killed_upload(media_root, stem="old")
    for path in old:
        aged(path, 48)
    fresh = left_by_a_killed_upload(media_root, stem="fresh")

    call_command("backup_site", "--output", str(tmp_path / "backups"), stdout=io.StringIO())

    (archive,) = (tmp_path / "backups").glob("briefs-*.tar.gz")
    with tarfile.open(archive) as tar:
        archived = {name.removeprefix("media/") for name in tar.getnames()}
    for path in [*old, *fresh]:
        assert path.relative_to(media_root).as_posix() not in archived
    assert {path.relative_to(media_root).as_posix() for path in site_with_images} <= archived
