"""Uploaded images: what an upload must be, and the files made from it once, after it is saved.

An upload is judged by its content, never by its name: it must be a whole JPEG, PNG, WebP or
GIF within the size, pixel and frame limits below, and each way it can fail has a message a
person understands. What is stored is a fresh encoding without metadata (EXIF, GPS, XMP,
comments, colour profiles), upright, in sRGB, under a generated name.

Pages never resize images per request: thumbnails and responsive renditions are written to
storage by the worker once the save that brought the upload has committed (`after_commit`),
and pages point at those files. They are made from the first frame, decoded or reduced no
larger than they need, so the web process only checks and re-encodes the upload.
"""

import logging
import math
import uuid
import warnings
from dataclasses import dataclass
from functools import partial
from io import BytesIO
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.dispatch import Signal
from django.utils.deconstruct import deconstructible
from PIL import Image, ImageCms, ImageOps

logger = logging.getLogger(__name__)

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_BYTES = 10 * 1024 * 1024
# Checked on the header, before a pixel is decoded: a small file can declare a huge image.
# A decoded picture takes up to 4 bytes a pixel, and the web process decodes it twice (to
# check it, to store it): 25 megapixels, a 6,000 × 4,000 camera picture, is 100 MB each time.
MAX_PIXELS = 25_000_000
MAX_FRAMES = 100
# All frames of an animation together: the stored copy is written from every frame decoded at
# once, and re-encoding a GIF's frames takes about a second for 10 megapixels (4 to 7 s for
# the 50 once accepted). Only the first frame is shown, in the renditions.
MAX_ANIMATION_PIXELS = 10_000_000
RENDITION_FORMATS = {"webp": "WEBP", "jpeg": "JPEG"}
ACCEPTED = "upload a JPEG, PNG, WebP or GIF photo"


@deconstructible
class GeneratedName:
    """upload_to that keeps nothing of the uploader's file name: a random stem, and the
    suffix of an image format (uploads are renamed after their real format when stored)."""

    def __init__(self, folder):
        self.folder = folder

    def __call__(self, instance, filename):
        suffix = PurePath(filename).suffix.lower()
        if suffix not in {*SUFFIXES.values(), ".jpeg"}:
            suffix = ""
        return f"{self.folder}/{uuid.uuid4().hex}{suffix}"

    def __eq__(self, other):
        return isinstance(other, GeneratedName) and other.folder == self.folder


@dataclass(frozen=True)
class CheckedImage:
    format: str
    width: int
    height: int
    frames: int


def megapixels(pixels):
    return f"{pixels / 1_000_000:,.0f}" if pixels >= 10_000_000 else f"{pixels / 1_000_000:,.1f}"


def check_image(file):
    """What the upload is, if it is an image we accept; otherwise a ValidationError that says
    what it is and what to do instead. Leaves the file at its start."""
    try:
        return _check(file)
    finally:
        file.seek(0)


def _check(file):
    if not file.size:
        raise ValidationError("The submitted file is empty.", code="empty")
    if file.size > MAX_BYTES:
        size, limit = file.size / 1024 / 1024, MAX_BYTES // 1024 // 1024
        shown = f"{size:.1f} MB" if round(size, 1) > limit else f"just over {limit} MB"
        raise ValidationError(
            f"This file is {shown}; images can be at most {limit} MB. Upload a smaller copy.",
            code="file_size",
        )
    file.seek(0)
    head = file.read(1024)
    image = _open_header(file, head)
    if image is None:
        raise ValidationError(_not_accepted(file, head), code="format")
    with image:
        width, height = image.size
        if width * height > MAX_PIXELS:
            # The largest copy of the same shape within the limit, for the person to make.
            scale = math.sqrt(MAX_PIXELS / (width * height))
            smaller = f"{math.floor(width * scale):,} × {math.floor(height * scale):,}"
            raise ValidationError(
                f"This image is {width:,} × {height:,} pixels ({megapixels(width * height)} "
                f"megapixels); the limit is {MAX_PIXELS // 1_000_000} megapixels. "
                f"Upload a smaller copy, at most {smaller} pixels.",
                code="pixels",
            )
        try:
            image_format, frames = _kind(image)
        except Exception as error:
            raise _damaged(image.format) from error
    if frames > MAX_FRAMES:
        raise ValidationError(
            f"This animation has {frames:,} frames; the limit is {MAX_FRAMES}. "
            "Upload a shorter animation or a still image.",
            code="frames",
        )
    if frames > 1 and frames * width * height > MAX_ANIMATION_PIXELS:
        raise ValidationError(
            f"This animation is {frames:,} frames of {width:,} × {height:,} pixels, "
            f"{megapixels(frames * width * height)} megapixels in all; the limit is "
            f"{MAX_ANIMATION_PIXELS // 1_000_000} megapixels across all frames. "
            "Upload a shorter or smaller animation.",
            code="frames",
        )
    # Within the limits, so Pillow may decode it: verify() checks the structure (checksums,
    # for PNG) and decoding every frame of a fresh copy finds a truncated or damaged file.
    try:
        file.seek(0)
        with Image.open(file, formats=[image_format]) as image:
            image.verify()
        file.seek(0)
        with Image.open(file, formats=[image_format]) as image:
            for index in range(frames):
                image.seek(index)
                image.load()
    except Exception as error:
        raise _damaged(image_format) from error
    return CheckedImage(image_format, width, height, frames)


def _kind(image):
    """The accepted format an opened image is, and how many frames of it are the picture: a
    camera's MPO file is a JPEG whose further images (previews, depth maps) are not shown."""
    if image.format == "MPO":
        return "JPEG", 1
    return image.format, getattr(image, "n_frames", 1)


def _open_header(file, head):
    """The image, with only its header read, if the file is of an accepted format; a
    ValidationError if it starts like one but its header cannot be read; None otherwise.

    This is what Image.open does, without its refusal of huge sizes (Pillow's global
    MAX_IMAGE_PIXELS): ours is checked next, and the message can then say the size.
    """
    Image.init()
    for image_format in ACCEPTED_FORMATS:
        if image_format not in Image.OPEN:
            continue
        factory, accept = Image.OPEN[image_format]
        identified = accept(head[:16]) if accept else True
        if not identified or isinstance(identified, str):
            continue
        file.seek(0)
        try:
            return factory(file, "")
        except Exception as error:
            raise _damaged(image_format) from error
    return None


def _not_accepted(file, head):
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<svg", b"<?xml", b"<!doctype svg")) and b"<svg" in text:
        return f"This file is an SVG drawing; {ACCEPTED}."
    if head.startswith(b"%PDF-"):
        return f"This file is a PDF document; {ACCEPTED}."
    if head[4:12] in {b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc", b"ftypmsf1"}:
        return f"This file is a HEIC photo, which browsers cannot show; {ACCEPTED}."
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character cut off at the end of the sample is still text.
            is_text = error.start >= len(head) - 3
        else:
            is_text = True
        if is_text:
            return f"This file is text, not an image; {ACCEPTED}."
    file.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(file) as image:
                other_format = image.format
    except Exception:
        other_format = None
    if other_format:
        return f"{other_format} images are not accepted; {ACCEPTED}."
    return f"This file is not a JPEG, PNG, WebP or GIF image, or it is damaged; {ACCEPTED}."


def _damaged(image_format):
    name = {"WEBP": "WebP", "MPO": "JPEG"}.get(image_format, image_format)
    return ValidationError(
        f"This {name} image is damaged or incomplete (perhaps the upload was cut short); "
        "save a fresh copy and upload that.",
        code="damaged",
    )


def validate_image(file):
    """The model field's validator. A stored file was checked when it was uploaded, and an
    upload that came through ImageUploadFormField is not checked twice."""
    if getattr(file, "_committed", False):
        return
    upload = getattr(file, "file", file)
    if not isinstance(getattr(upload, "checked_image", None), CheckedImage):
        check_image(file)


def without_metadata(file):
    """A fresh encoding of an accepted image, as a ContentFile named after its real format:
    upright (EXIF orientation applied), in sRGB, with no EXIF, GPS, XMP, comment or colour
    profile. Animations keep their frames, timing and looping."""
    file.seek(0)
    output = BytesIO()
    with Image.open(file, formats=list(ACCEPTED_FORMATS)) as image:
        image_format, frames = _kind(image)
        orientation = image.getexif().get(0x0112, 1)
        if frames == 1:
            # Cleaned in place: a copy would hold a second decoded picture.
            image.load()
            picture = _clean(image, orientation)
            options = {
                "JPEG": {"quality": 90, "optimize": True},
                "WEBP": {"quality": 90},
            }.get(image_format, {})
            picture.save(output, image_format, **options)
        else:
            pictures, durations = [], []
            for index in range(frames):
                image.seek(index)
                durations.append(image.info.get("duration", 100))
                # A copy: seeking to the next frame reuses this one's pixels.
                pictures.append(_clean(image.copy(), orientation))
            pictures[0].save(
                output,
                image_format,
                save_all=True,
                append_images=pictures[1:],
                duration=durations,
                **({"loop": image.info["loop"]} if "loop" in image.info else {}),
                **({"quality": 90} if image_format == "WEBP" else {}),
            )
    file.seek(0)
    return ContentFile(output.getvalue(), name=f"image{SUFFIXES[image_format]}")


_SRGB = ImageCms.createProfile("sRGB")


def _clean(picture, orientation):
    """One decoded frame (changed, or replaced): upright, in sRGB, and with no metadata left
    to be written."""
    profile = picture.info.get("icc_profile")
    # Kept: which palette entry or colour is transparent is part of the picture.
    kept = {key: picture.info[key] for key in ("transparency",) if key in picture.info}
    picture.info = dict(kept)
    picture = _upright(picture, orientation)
    picture.info = dict(kept)
    if profile:
        picture = _to_srgb(picture, profile)
    elif picture.mode == "CMYK":
        picture = picture.convert("RGB")
        picture.info = {}
    return picture


def _upright(picture, orientation):
    """The picture turned as an EXIF orientation says (itself when it says nothing)."""
    if orientation == 1:
        return picture
    # exif_transpose reads the orientation from the image's own EXIF, which only the first
    # frame of an animation carries; a copy with just that tag turns every frame alike.
    exif = Image.Exif()
    exif[0x0112] = orientation
    picture.info["exif"] = exif.tobytes()
    return ImageOps.exif_transpose(picture)


def _to_srgb(picture, profile):
    """Pixels moved from the embedded colour profile to sRGB, so they look the same with the
    profile dropped; a profile LittleCMS cannot use is dropped as it is."""
    if picture.mode not in {"RGB", "RGBA", "CMYK", "L"}:
        picture = picture.convert("RGBA" if picture.has_transparency_data else "RGB")
    output_mode = "RGBA" if picture.mode == "RGBA" else "RGB"
    try:
        converted = ImageCms.profileToProfile(
            picture, ImageCms.ImageCmsProfile(BytesIO(profile)), _SRGB, outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        converted = picture.convert(output_mode) if picture.mode == "CMYK" else picture
    converted.info = {}
    return converted


class ImageUploadFormField(forms.ImageField):
    """A form's image upload, checked by check_image: by content, with a message for each
    way an upload can fail (Django's ImageField says only "Upload a valid image")."""

    # The name's extension says nothing: the content decides, and the stored name is ours.
    default_validators = []

    def to_python(self, data):
        upload = forms.FileField.to_python(self, data)
        if upload is None:
            return None
        checked = check_image(upload)
        upload.checked_image = checked
        upload.content_type = MIME_TYPES[checked.format]
        return upload

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if "accept" in attrs:
            attrs["accept"] = ",".join(MIME_TYPES.values())
        return attrs


class UploadedImageField(models.ImageField):
    """An ImageField for images people upload: checked by content (validate_image, and
    ImageUploadFormField in forms), and stored as a fresh encoding without metadata."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [validate_image])
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        # Nothing about the column differs from an ImageField: migrations record one.
        name, _, args, kwargs = super().deconstruct()
        return name, "django.db.models.ImageField", args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": ImageUploadFormField, **kwargs})

    def pre_save(self, model_instance, add):
        file = getattr(model_instance, self.attname)
        if file and not file._committed:
            setattr(model_instance, self.attname, without_metadata(file))
        file = super().pre_save(model_instance, add)
        # A file saved through FieldFile.save(save=False) leaves the dimension fields empty,
        # and Django then opens the image each time the row is loaded to find them.
        if file and self.width_field and not getattr(model_instance, self.width_field):
            # Read from storage: the FieldFile itself may be shared with code still reading it.
            with file.storage.open(file.name) as stored, Image.open(stored) as image:
                setattr(model_instance, self.width_field, image.width)
                setattr(model_instance, self.height_field, image.height)
        return file


# Made images are resized from a picture at least this many times their size: reducing a
# large upload by whole factors first (JPEG while decoding) keeps memory and time down, and
# the last, Lanczos step from half again the size looks the same as from the full one.
REDUCING_GAP = 1.5
# Converted and reduced this many rows at a time: converting the whole of a large picture (to
# RGBA, or to premultiplied alpha to reduce it) would hold a second copy of it.
STRIP_ROWS = 256


def _first_frame_on_white(file, needed_scale):
    """The first frame, upright (EXIF orientation applied), on white, as RGB, and no larger
    than the made images need: `needed_scale(width, height)` says how small, for the upright
    size, the largest of them is. Returns it with the upright size of the original."""
    file.seek(0)
    with Image.open(file) as image:
        orientation = image.getexif().get(0x0112, 1)
        width, height = image.size
        if orientation in {5, 6, 7, 8}:
            width, height = height, width
        scale = min(1.0, REDUCING_GAP * needed_scale(width, height))
        wanted = (math.ceil(image.width * scale), math.ceil(image.height * scale))
        # A JPEG decodes at 1/2, 1/4 or 1/8 of its size, no smaller than asked; others do not.
        image.draft(image.mode, wanted)
        factor = max(1, math.floor(min(image.width / wanted[0], image.height / wanted[1])))
        picture = Image.new(
            "RGB", (math.ceil(image.width / factor), math.ceil(image.height / factor)), "white"
        )
        rows = factor * max(1, STRIP_ROWS // factor)
        for top in range(0, image.height, rows):
            strip = image.crop((0, top, image.width, min(image.height, top + rows)))
            if strip.mode not in {"RGB", "RGBA"}:
                strip = strip.convert("RGBA" if strip.has_transparency_data else "RGB")
            if factor > 1:
                strip = strip.reduce(factor)
            picture.paste(strip, (0, top // factor), strip if strip.mode == "RGBA" else None)
    return _upright(picture, orientation), (width, height)


def _encode(image, image_format):
    """The image in the given format, written with no metadata: nothing of the source's
    EXIF, XMP or colour profile is passed on."""
    image.info = {}
    output = BytesIO()
    if image_format == "JPEG":
        image.save(output, "JPEG", quality=82, optimize=True, progressive=True)
    else:
        image.save(output, image_format, quality=80, method=4)
    return ContentFile(output.getvalue())


def square_thumbnail(file, size=320):
    """A square JPEG, centred a little above the middle, where faces usually are."""
    picture, _ = _first_frame_on_white(file, lambda width, height: size / min(width, height))
    thumbnail = ImageOps.fit(picture, (size, size), Image.Resampling.LANCZOS, centering=(0.5, 0.35))
    return _encode(thumbnail, "JPEG")


def write_renditions(file, folder, widths, thumbnail_size):
    """Write WebP and JPEG copies of the image at each width no wider than the original,
    plus a cropped thumbnail; return where they are, for building srcset attributes."""

    def needed_scale(width, height):
        # The widest copy, or the thumbnail's crop, which covers its whole box.
        widest = min(max(widths), width) / width
        return max(widest, thumbnail_size[0] / width, thumbnail_size[1] / height)

    picture, (original_width, original_height) = _first_frame_on_white(file, needed_scale)
    stem = uuid.uuid4().hex

    def save(image, label):
        return {
            extension: default_storage.save(
                f"{folder}/{stem}-{label}.{extension}", _encode(image, image_format)
            )
            for extension, image_format in RENDITION_FORMATS.items()
        }

    sizes = []
    for width in sorted({min(width, original_width) for width in widths}):
        height = round(original_height * width / original_width)
        resized = picture.resize((width, height), Image.Resampling.LANCZOS)
        sizes.append({"width": width, "height": height, **save(resized, width)})
    cropped = ImageOps.fit(picture, thumbnail_size, Image.Resampling.LANCZOS)
    thumbnail = {"width": thumbnail_size[0], "height": thumbnail_size[1]}
    return {"sizes": sizes, "thumbnail": {**thumbnail, **save(cropped, "thumbnail")}}


def after_commit(task, *args):
    """Have the worker run `task(*args)` once the current transaction commits (at once
    outside one). If the broker cannot be reached the save still stands: the task's sweep
    (briefs.tasks, experts.tasks) does the work later."""
    transaction.on_commit(partial(_send, task, args))


def _send(task, args):
    try:
        task.apply_async(args)
    except Exception as error:
        logger.warning("Could not queue %s%r (%r); its sweep will do it", task.name, args, error)


# Sent by a row's model once the worker has written its renditions or thumbnail, outside the
# save that brought the image: receivers renew what was kept without them (cached pages).
images_made = Signal()
