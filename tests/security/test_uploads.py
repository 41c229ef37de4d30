"""Image uploads through the admin's real forms: only whole JPEG, PNG, WebP and GIF images
within the limits are taken, each refusal says why on the page and leaves nothing behind, and
what is served carries no metadata and none of the uploader's file name.

Every file is made here, with Pillow or as bytes.
"""

import os
import subprocess
import sys
import textwrap
from io import BytesIO
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, ImageFile

from briefs.models import Brief
from experts.models import Expert
from tests.briefs.test_admin import new_brief_fields, submit
from tests.factories import ExpertFactory
from tests.images import run_image_tasks
from tests.pages import visible_text

pytestmark = pytest.mark.django_db

EXPERT_ADD_URL = "/admin/experts/expert/add/"
BRIEF_ADD_URL = "/admin/briefs/brief/add/"
# Written into the test photo's metadata; none of it may reach a stored file.
SECRETS = [b"SecretCam", b"Model X-Secret", b"secret-place", b"a secret comment"]
LATITUDE = (38.0, 53.0, 23.0)


def image_bytes(image_format="PNG", size=(120, 80), colour="#12355b", **options):
    output = BytesIO()
    Image.new("RGB", size, colour).save(output, image_format, **options)
    return output.getvalue()


def photo_with_metadata(size=(120, 80)):
    """A JPEG as a phone makes it: camera, GPS position, turned by its EXIF orientation (6:
    the stored picture is to be turned a quarter clockwise), XMP, a comment, an ICC profile."""
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0110] = "Model X-Secret"  # Model
    exif[0x0112] = 6  # Orientation
    exif[0x8825] = {1: "N", 2: LATITUDE, 3: "W", 4: (77.0, 2.0, 10.0)}  # GPSInfo
    picture = Image.new("RGB", size, "#12355b")
    picture.paste((200, 30, 30), (0, 0, size[0] // 2, size[1]))  # left half red
    output = BytesIO()
    picture.save(
        output,
        "JPEG",
        exif=exif,
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><location>secret-place</location></x:xmpmeta>',
        comment=b"a secret comment",
        icc_profile=ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes(),
    )
    data = output.getvalue()
    with Image.open(BytesIO(data)) as check:  # the metadata is really there to be stripped
        assert check.getexif().get_ifd(0x8825)[2] == LATITUDE and "icc_profile" in check.info
    return data


def noisy_jpeg(size=(400, 300)):
    """A JPEG whose picture data is most of the file, so cutting it leaves a valid header."""
    output = BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(output, "JPEG")
    return output.getvalue()


def animated_gif(frames, size=(2, 2), comment=None):
    pictures = [Image.new("RGB", size, (n % 256, n // 256 * 60, 90)) for n in range(frames)]
    output = BytesIO()
    extra = {"comment": comment} if comment else {}
    pictures[0].save(
        output, "GIF", save_all=True, append_images=pictures[1:], duration=40, loop=0, **extra
    )
    return output.getvalue()


def decompression_bomb():
    """A 48 KB PNG that declares 20,000 × 20,000 pixels: 400 million to decode."""
    output = BytesIO()
    Image.new("1", (20_000, 20_000)).save(output, "PNG")
    assert len(output.getvalue()) < 100_000
    return output.getvalue()


SVG = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
  <script>alert(document.cookie)</script><circle cx="50" cy="50" r="40"/>
</svg>"""

REFUSED = {
    "truncated JPEG": (
        lambda: ("photo.jpg", noisy_jpeg()[: len(noisy_jpeg()) // 2]),
        "This JPEG image is damaged or incomplete (perhaps the upload was cut short)",
    ),
    "text file renamed photo.jpg": (
        lambda: ("photo.jpg", b"Name: Jane Example\nNotes: not a picture at all\n"),
        "This file is text, not an image; upload a JPEG, PNG, WebP or GIF photo.",
    ),
    "SVG drawing": (
        lambda: ("drawing.svg", SVG),
        "This file is an SVG drawing; upload a JPEG, PNG, WebP or GIF photo.",
    ),
    "SVG drawing renamed photo.png": (
        lambda: ("photo.png", SVG),
        "This file is an SVG drawing; upload a JPEG, PNG, WebP or GIF photo.",
    ),
    "decompression bomb": (
        lambda: ("photo.png", decompression_bomb()),
        "This image is 20,000 × 20,000 pixels (400 megapixels); the limit is 25 megapixels. "
        "Upload a smaller copy, at most 5,000 × 5,000 pixels.",
    ),
    "1000-frame GIF": (
        lambda: ("animation.gif", animated_gif(1000)),
        "This animation has 1,000 frames; the limit is 100.",
    ),
    "zero-byte file": (lambda: ("photo.jpg", b""), "The submitted file is empty."),
    "file over 10 MB": (
        lambda: ("photo.jpg", b"\xff\xd8\xff" + bytes(11 * 1024 * 1024)),
        "This file is 11.0 MB; images can be at most 10 MB.",
    ),
    "PDF document": (
        lambda: (
            "photo.pdf",
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        ),
        "This file is a PDF document; upload a JPEG, PNG, WebP or GIF photo.",
    ),
    "TIFF image": (
        lambda: ("photo.tif", image_bytes("TIFF")),
        "TIFF images are not accepted; upload a JPEG, PNG, WebP or GIF photo.",
    ),
}


def stored_files(media_root):
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def assert_carries_no_metadata(path):
    data = path.read_bytes()
    assert not [secret for secret in SECRETS if secret in data], path
    with Image.open(path) as image:
        assert not image.getexif(), path
        assert not {"exif", "xmp", "icc_profile", "comment"} & image.info.keys(), path


def post_expert(client, upload, **fields):
    data = {"name": "Jane Example", "slug": "", "title": "", "program": "", "bio": ""}
    return client.post(EXPERT_ADD_URL, {**data, **fields, "photo": upload})


def post_brief(client, upload):
    return submit(
        client, BRIEF_ADD_URL, **new_brief_fields(lead_image=upload, lead_image_alt="A picture")
    )


@pytest.mark.parametrize("case", REFUSED)
def test_expert_photo_that_is_not_an_acceptable_image_is_refused_and_nothing_saved(
    analyst_client, media_root, case
):
    make, message = REFUSED[case]
    response = post_expert(analyst_client, SimpleUploadedFile(*make()))

    assert response.status_code == 200
    assert message in visible_text(response)
    assert not Expert.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "case", ["truncated JPEG", "SVG drawing", "decompression bomb", "1000-frame GIF"]
)
def test_brief_lead_image_that_is_not_an_acceptable_image_is_refused_and_nothing_saved(
    editor_client, media_root, case
):
    make, message = REFUSED[case]
    response = post_brief(editor_client, SimpleUploadedFile(*make()))

    assert response.status_code == 200
    assert message in visible_text(response)
    assert not Brief.objects.exists()
    assert stored_files(media_root) == []


def test_a_refused_new_photo_leaves_the_expert_and_the_old_photo_as_they_were(
    analyst_client, media_root
):
    post_expert(analyst_client, SimpleUploadedFile("first.png", image_bytes()))
    run_image_tasks()
    expert = Expert.objects.get()
    before = (expert.photo.name, expert.photo_thumbnail.name, expert.updated_at)
    files = stored_files(media_root)

    response = analyst_client.post(
        f"/admin/experts/expert/{expert.pk}/change/",
        {
            "name": "Jane Changed",
            "slug": expert.slug,
            "title": "",
            "program": "",
            "bio": "",
            "photo": SimpleUploadedFile("photo.svg", SVG),
        },
    )

    assert "This file is an SVG drawing" in visible_text(response)
    expert.refresh_from_db()
    assert expert.name == "Jane Example"
    assert (expert.photo.name, expert.photo_thumbnail.name, expert.updated_at) == before
    assert stored_files(media_root) == files


def test_expert_photo_is_stored_upright_without_metadata_under_a_generated_name(
    analyst_client, media_root
):
    upload = SimpleUploadedFile("jane-doe-at-home.jpg", photo_with_metadata(size=(120, 80)))
    response = post_expert(analyst_client, upload)
    run_image_tasks()

    assert response.status_code == 302
    expert = Expert.objects.get()
    stored = expert.photo.name
    assert stored.startswith("experts/photos/") and stored.endswith(".jpg")
    assert not [part for part in ("jane", "doe", "home") if part in stored]
    with Image.open(expert.photo.path) as photo:
        # Turned as its EXIF orientation said, before the EXIF went: the red half on top.
        assert (photo.format, photo.size) == ("JPEG", (80, 120))
        red, green, blue = photo.convert("RGB").getpixel((40, 20))
        assert red > 150 and green < 100
    served = stored_files(media_root)
    assert {path.parent.name for path in served} == {"photos", "thumbnails"}
    for path in served:
        assert_carries_no_metadata(path)


def test_brief_lead_image_and_its_renditions_carry_no_metadata(editor_client, media_root):
    response = post_brief(
        editor_client, SimpleUploadedFile("where-i-was.jpg", photo_with_metadata(size=(600, 400)))
    )
    run_image_tasks()

    assert response.status_code == 302
    brief = Brief.objects.get()
    assert brief.lead_image.name.startswith("briefs/images/")
    assert "where" not in brief.lead_image.name
    assert (brief.lead_image_width, brief.lead_image_height) == (400, 600)
    served = stored_files(media_root)
    # The original, and a JPEG and a WebP at one width (no wider than the original) and as
    # a thumbnail.
    assert len(served) == 5
    for path in served:
        assert_carries_no_metadata(path)


def test_an_image_is_stored_as_what_it_is_whatever_its_name_says(analyst_client, media_root):
    response = post_expert(analyst_client, SimpleUploadedFile("photo.jpg", image_bytes("PNG")))

    assert response.status_code == 302
    stored = Expert.objects.get().photo
    assert stored.name.endswith(".png")
    with Image.open(stored.path) as photo:
        assert photo.format == "PNG"


def test_a_short_animation_is_accepted_and_keeps_its_frames_but_not_its_comment(
    analyst_client, media_root
):
    response = post_expert(
        analyst_client,
        SimpleUploadedFile("wave.gif", animated_gif(12, size=(40, 40), comment=b"SecretCam")),
    )

    assert response.status_code == 302
    expert = Expert.objects.get()
    assert b"SecretCam" not in expert.photo.read()
    with Image.open(expert.photo.path) as photo:
        assert (photo.format, photo.n_frames) == ("GIF", 12)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP", "GIF"])
def test_each_accepted_format_is_taken(analyst_client, image_format):
    upload = SimpleUploadedFile("portrait", image_bytes(image_format))
    assert post_expert(analyst_client, upload).status_code == 302
    run_image_tasks()
    assert Expert.objects.get().photo_thumbnail


def test_a_cameras_multi_picture_jpeg_is_taken_as_its_main_picture(analyst_client):
    """Cameras and phones write MPO files: a JPEG with further pictures (previews, depth
    maps) that Pillow reads as frames. The main picture is kept, as a JPEG."""
    output = BytesIO()
    main, depth = Image.new("RGB", (90, 60), "#c33"), Image.new("RGB", (45, 30), "#333")
    main.save(output, "MPO", save_all=True, append_images=[depth])
    with Image.open(BytesIO(output.getvalue())) as check:
        assert check.format == "MPO" and check.n_frames == 2

    response = post_expert(analyst_client, SimpleUploadedFile("camera.jpg", output.getvalue()))

    assert response.status_code == 302
    with Image.open(Expert.objects.get().photo.path) as photo:
        assert (photo.format, photo.size, getattr(photo, "n_frames", 1)) == ("JPEG", (90, 60), 1)


def test_the_file_chooser_offers_only_the_accepted_types(analyst_client):
    html = analyst_client.get(EXPERT_ADD_URL).content.decode()
    assert 'accept="image/jpeg,image/png,image/webp,image/gif"' in html


def test_an_expert_saved_in_code_with_a_photo_is_stripped_too(media_root):
    expert = ExpertFactory()
    expert.photo = SimpleUploadedFile("x.jpg", photo_with_metadata())
    expert.save()
    run_image_tasks()
    assert Expert.objects.get().photo_thumbnail
    for path in stored_files(media_root):
        assert_carries_no_metadata(path)


def flat_png(size, mode="1"):
    """A PNG of one colour, quick to write and small to send, whose header says `size`."""
    output = BytesIO()
    Image.new(mode, size).save(output, "PNG")
    return output.getvalue()


def grey_animation(frames, size):
    """An animated GIF of grey frames, which Pillow writes without quantizing each one."""
    pictures = [Image.new("L", size, index * 2 % 256) for index in range(frames)]
    output = BytesIO()
    pictures[0].save(output, "GIF", save_all=True, append_images=pictures[1:], duration=40)
    return output.getvalue()


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: ("poster.png", flat_png((8000, 5000))),
            "This image is 8,000 × 5,000 pixels (40 megapixels); the limit is 25 megapixels. "
            "Upload a smaller copy, at most 6,324 × 3,952 pixels.",
        ),
        (
            lambda: ("wave.gif", grey_animation(100, (800, 625))),
            "This animation is 100 frames of 800 × 625 pixels, 50 megapixels in all; the limit "
            "is 10 megapixels across all frames. Upload a shorter or smaller animation.",
        ),
    ],
    ids=["40-megapixel PNG", "100-frame GIF of half a megapixel a frame"],
)
def test_a_picture_over_the_pixel_limits_is_refused_from_its_header_saying_what_to_upload(
    analyst_client, media_root, upload, message
):
    name, data = upload()
    with mock.patch.object(ImageFile.ImageFile, "load", side_effect=AssertionError("decoded")):
        response = post_expert(analyst_client, SimpleUploadedFile(name, data))

    assert response.status_code == 200
    assert message in visible_text(response)
    assert not Expert.objects.exists()
    assert stored_files(media_root) == []


# What the web process does with an upload (check it, store it without metadata), then what
# the worker does with the stored copy (renditions, a thumbnail): the growth of the process's
# peak resident memory, which counts Pillow's decoded pixels as tracemalloc would not.
MEASURE_UPLOAD = textwrap.dedent(
    """
    import resource, sys
    import django
    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from common import images
    upload = SimpleUploadedFile("upload", open(sys.argv[1], "rb").read())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    images.check_image(upload)
    stored = images.without_metadata(upload)
    images.write_renditions(stored, "r", widths=[480, 800, 1200, 1600], thumbnail_size=(360, 240))
    images.square_thumbnail(stored)
    print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024)
    """
)
MB = 1024 * 1024


@pytest.mark.slow
@pytest.mark.parametrize(
    ("make", "most"),
    [
        # 25 megapixels with transparency, 100 MB decoded: 385 MB more before the limits fell
        # and renditions were made from a reduced copy, 135 MB now.
        (lambda: flat_png((6000, 4166), mode="RGBA"), 160 * MB),
        # 100 frames, 10 megapixels in all, 40 MB decoded: 53 MB more.
        (lambda: grey_animation(100, (316, 316)), 80 * MB),
    ],
    ids=["25-megapixel PNG", "100-frame GIF"],
)
def test_taking_an_upload_at_the_limits_and_making_its_renditions_stays_within_bounded_memory(
    tmp_path, make, most
):
    upload = tmp_path / "upload"
    upload.write_bytes(make())
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "briefs_site.settings",
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
    }
    measured = subprocess.run(
        [sys.executable, "-c", MEASURE_UPLOAD, str(upload)],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    grown = int(measured.stdout.split()[-1])
    assert grown < most, f"{grown / MB:.0f} MB"
