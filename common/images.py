"""Uploaded images: what an upload must be, and the files made from it once, when saved.

An upload is judged by its content, never by its name: it must be a whole JPEG, PNG, WebP or
GIF within the size, pixel and frame limits below, and each way it can fail has a message a
person understands. What is stored is a fresh encoding without metadata (EXIF, GPS, XMP,
comments, colour profiles), upright, in sRGB, under a generated name.

Pages never resize images per request: thumbnails and responsive renditions are written to
storage when the upload is saved, and pages point at those files.
"""

import uuid
import warnings
from dataclasses import dataclass
from io import BytesIO
from pathlib import PurePath

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.utils.deconstruct import deconstructible
from PIL import Image, ImageCms, ImageOps

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
SUFFIXES = {"JPEG": ".jpg", "PNG": ".png", "WEBP": ".webp", "GIF": ".gif"}
MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_BYTES = 10 * 1024 * 1024
# Checked on the header, before a pixel is decoded: a small file can declare a huge image.
MAX_PIXELS = 40_000_000
MAX_FRAMES = 100
# All frames of an animation together: each one is decoded to check it and to store it.
MAX_ANIMATION_PIXELS = 50_000_000
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
            raise ValidationError(
                f"This image is {width:,} × {height:,} pixels ({megapixels(width * height)} "
                f"megapixels); the limit is {MAX_PIXELS // 1_000_000} megapixels. "
                "Upload a smaller copy.",
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
                pictures.append(_clean(image, orientation))
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


def _clean(image, orientation):
    """A copy of one frame: upright, in sRGB, and with no metadata left to be written."""
    profile = image.info.get("icc_profile")
    # Kept: which palette entry or colour is transparent is part of the picture.
    kept = {key: image.info[key] for key in ("transparency",) if key in image.info}
    picture = image.copy()
    picture.info = dict(kept)
    if orientation != 1:
        # exif_transpose reads the orientation from the image's own EXIF, which only the
        # first frame carries; a copy with just that tag turns every frame alike.
        exif = Image.Exif()
        exif[0x0112] = orientation
        picture.info["exif"] = exif.tobytes()
        picture = ImageOps.exif_transpose(picture)
        picture.info = dict(kept)
    if profile:
        picture = _to_srgb(picture, profile)
    elif picture.mode == "CMYK":
        picture = picture.convert("RGB")
        picture.info = {}
    return picture


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


def _flattened(file):
    """The image upright (EXIF orientation applied) on white, as RGB."""
    file.seek(0)
    with Image.open(file) as image:
        image = ImageOps.exif_transpose(image).convert("RGBA")
    background = Image.new("RGBA", image.size, "white")
    return Image.alpha_composite(background, image).convert("RGB")


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
    thumbnail = ImageOps.fit(
        _flattened(file), (size, size), Image.Resampling.LANCZOS, centering=(0.5, 0.35)
    )
    return _encode(thumbnail, "JPEG")


def write_renditions(file, folder, widths, thumbnail_size):
    """Write WebP and JPEG copies of the image at each width no wider than the original,
    plus a cropped thumbnail; return where they are, for building srcset attributes."""
    image = _flattened(file)
    stem = uuid.uuid4().hex

    def save(picture, label):
        return {
            extension: default_storage.save(
                f"{folder}/{stem}-{label}.{extension}", _encode(picture, image_format)
            )
            for extension, image_format in RENDITION_FORMATS.items()
        }

    sizes = []
    for width in sorted({min(width, image.width) for width in widths}):
        height = round(image.height * width / image.width)
        resized = image.resize((width, height), Image.Resampling.LANCZOS)
        sizes.append({"width": width, "height": height, **save(resized, width)})
    cropped = ImageOps.fit(image, thumbnail_size, Image.Resampling.LANCZOS)
    thumbnail = {"width": thumbnail_size[0], "height": thumbnail_size[1]}
    return {"sizes": sizes, "thumbnail": {**thumbnail, **save(cropped, "thumbnail")}}
