"""`manage.py backup_site` and `restore_site`: the database and the uploaded files, together.

Transactional tests (`transaction=True`): a restore empties tables and loads data in a
transaction of its own, and the backup reads the database in one, as they do in production.
"""

import gzip
import hashlib
import importlib
import io
import json
import shutil
import tarfile
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from briefs.editorial.roles import ensure_editorial_groups
from briefs.interchange.documents import export_documents
from briefs.models import Brief, Format, PreviewLink, Revision, Transition
from experts.models import Expert
from tests.pages import card_titles, elements, visible_text

pytestmark = pytest.mark.django_db(transaction=True)

LEAD_IMAGE_BRIEF = "sanctions-evasion-at-sea-tracking-the-shadow-fleet"


@pytest.fixture
def demo_site(settings):
    """The demo content (briefs with lead images, experts with portraits, accounts), and a
    shared preview, on the rows `migrate` makes (another transactional test's flush may have
    taken the formats away)."""
    ensure_editorial_groups()
    formats = importlib.import_module("briefs.migrations.0002_default_formats")
    for position, name in enumerate(formats.DEFAULT_FORMATS):
        Format.objects.get_or_create(name=name, defaults={"position": position})
    settings.DEBUG = True  # load_demo runs only in development
    call_command("load_demo", stdout=io.StringIO())
    settings.DEBUG = False
    PreviewLink.objects.create(
        brief=Brief.objects.exclude(status="published").first(),
        created_by=get_user_model().objects.get(username="editor"),
        expires_at=timezone.now() + timedelta(hours=72),
    )


def site_state(media_root):
    """What a restore must give back: the briefs, people, history and files, and the pages."""
    client = Client()
    user_model = get_user_model()
    pages = ["/", f"/briefs/{LEAD_IMAGE_BRIEF}/", "/experts/", "/issues/", "/feeds/briefs/"]
    pages += [expert.get_absolute_url() for expert in Expert.objects.public()]
    return {
        "documents": export_documents(),
        "users": sorted(
            user_model.objects.values_list(
                "username", "password", "email", "is_staff", "is_superuser", "groups__name"
            )
        ),
        "groups": sorted(Group.objects.values_list("name", "permissions__codename")),
        "experts": list(
            Expert.objects.order_by("slug").values_list("slug", "bio", "photo", "photo_thumbnail")
        ),
        "revisions": list(
            Revision.objects.order_by("brief__slug", "number").values_list(
                "brief__slug", "number", "note", "user__username"
            )
        ),
        "transitions": Transition.objects.count(),
        "previews": list(PreviewLink.objects.values_list("brief__slug", "expires_at")),
        "files": {
            path.relative_to(media_root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(media_root.rglob("*"))
            if path.is_file()
        },
        "pages": {url: visible_text(client.get(url)) for url in pages},
    }


def backup(tmp_path):
    call_command("backup_site", "--output", str(tmp_path / "backups"), stdout=io.StringIO())
    (archive,) = (tmp_path / "backups").glob("briefs-*.tar.gz")
    return archive


def restore(archive, *options):
    output = io.StringIO()
    call_command("restore_site", str(archive), *options, stdout=output)
    return output.getvalue()


def wipe(media_root):
    """A new machine: a migrated, empty database and no uploaded files."""
    call_command("flush", interactive=False)
    shutil.rmtree(media_root)


def test_restore_gives_back_the_whole_site_on_an_empty_one(demo_site, tmp_path, media_root):
    before = site_state(media_root)
    assert before["files"] and before["revisions"] and before["previews"]
    archive = backup(tmp_path)

    wipe(media_root)
    assert not Brief.objects.exists() and not media_root.exists()
    output = restore(archive)

    assert "Restored 10 briefs, 3 users" in output
    assert site_state(media_root) == before
    client = Client()
    page = client.get(f"/briefs/{LEAD_IMAGE_BRIEF}/")
    image = next(img for img in elements(page, "img") if img.get("alt", "").startswith("A draw"))
    assert (media_root / image["src"].removeprefix(django_settings.MEDIA_URL)).is_file()
    assert "Sanctions Evasion at Sea" in " ".join(card_titles(client.get("/search/?q=tankers")))
    assert client.login(username="editor", password="editor-demo")


def test_the_archive_is_one_private_file_listing_every_member_with_its_checksum(
    demo_site, tmp_path, media_root
):
    archive = backup(tmp_path)

    assert archive.stat().st_mode & 0o077 == 0
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
        data = tar.extractfile("data.json").read()
    assert names[0] == "data.json" and names[-1] == "manifest.json"
    assert manifest["counts"]["briefs.Brief"] == 10
    assert manifest["counts"]["auth.User"] == 3
    assert "briefs.0001_initial" in manifest["migrations"]
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert listed["data.json"]["sha256"] == hashlib.sha256(data).hexdigest()
    uploads = {path.relative_to(media_root).as_posix() for path in media_root.rglob("*.*")}
    assert {name.removeprefix("media/") for name in listed if name != "data.json"} == uploads
    assert b'"model": "sessions.session"' not in data


def test_a_site_with_content_is_replaced_only_when_asked(demo_site, tmp_path, media_root):
    before = site_state(media_root)
    archive = backup(tmp_path)
    later = Brief.objects.get(slug=LEAD_IMAGE_BRIEF)
    later.title = "Written after the backup"
    later.save()
    (media_root / "briefs" / "images" / "later.png").write_bytes(b"an upload after the backup")
    after_the_backup = site_state(media_root)

    with pytest.raises(CommandError, match="This site already has content .* --replace"):
        restore(archive)
    assert site_state(media_root) == after_the_backup

    output = restore(archive, "--replace")
    assert "Replaced 3 users, 10 briefs" in output
    assert site_state(media_root) == before
    assert not [path for path in media_root.iterdir() if path.name.startswith(".")]


def damaged_copies(archive, folder):
    """The same archive cut short, with a byte changed, with a member that does not match its
    checksum, and a file that is no archive at all."""
    data = archive.read_bytes()
    truncated = folder / "truncated.tar.gz"
    truncated.write_bytes(data[: len(data) // 2])
    flipped = folder / "flipped.tar.gz"
    middle = len(data) // 2
    flipped.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    tampered = folder / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as copy:
        for member in source:
            content = source.extractfile(member).read()
            if member.name == "data.json":
                content = content.replace(b"editor-demo", b"editor-demX").replace(
                    b"Sanctions", b"Sanctionz", 1
                )
                member.size = len(content)
            copy.addfile(member, io.BytesIO(content))
    not_an_archive = folder / "notes.tar.gz"
    not_an_archive.write_bytes(gzip.compress(b"just some text, not a tar file"))
    return {
        truncated: "is damaged or incomplete",
        flipped: "is damaged or incomplete",
        tampered: "do not match their checksums: data.json",
        not_an_archive: "is damaged or incomplete",
    }


def test_a_damaged_archive_is_refused_and_nothing_changes(demo_site, tmp_path, media_root):
    archive = backup(tmp_path)
    Brief.objects.filter(slug=LEAD_IMAGE_BRIEF).update(title="Changed since the backup")
    before = site_state(media_root)

    for damaged, message in damaged_copies(archive, tmp_path).items():
        with pytest.raises(CommandError, match=message):
            restore(damaged, "--replace")
        assert site_state(media_root) == before, damaged.name
    assert not [path for path in media_root.iterdir() if path.name.startswith(".")]


def test_an_archive_from_other_migrations_is_refused(demo_site, tmp_path, media_root):
    archive = backup(tmp_path)
    wipe(media_root)
    with tarfile.open(archive) as source, tarfile.open(tmp_path / "newer.tar.gz", "w:gz") as copy:
        for member in source:
            content = source.extractfile(member).read()
            if member.name == "manifest.json":
                manifest = json.loads(content)
                manifest["migrations"].append("briefs.9999_from_the_future")
                content = json.dumps(manifest).encode()
                member.size = len(content)
            copy.addfile(member, io.BytesIO(content))

    with pytest.raises(CommandError, match="not applied here: briefs.9999_from_the_future"):
        restore(tmp_path / "newer.tar.gz")
    assert not Brief.objects.exists()
