"""Uploaded images: what an upload must be, and the files made from it once, when saved.

Pages never resize images per request: thumbnails and responsive renditions are written to
storage when the upload is saved, and pages point at those files.
"""

import uuid
from io import BytesIO
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.deconstruct import deconstructible
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
RENDITION_FORMATS = {"webp": "WEBP", "jpeg": "JPEG"}


@deconstructible
class GeneratedName:
    """upload_to that keeps nothing of the uploader's file name but its extension."""

    def __init__(self, folder):
        self.folder = folder

    def __call__(self, instance, filename):
        return f"{self.folder}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"

    def __eq__(self, other):
        return isinstance(other, GeneratedName) and other.folder == self.folder


def validate_image(file):
    if file.size > MAX_BYTES:
        raise ValidationError("The image is larger than 10 MB; please upload a smaller one.")
    position = file.tell()
    try:
        with Image.open(file) as image:
            image_format, (width, height) = image.format, image.size
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as error:
        raise ValidationError(
            "This file is not a JPEG, PNG, WebP or GIF image Pillow can read."
        ) from error
    finally:
        file.seek(position)
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(
            f"{image_format} images are not accepted; upload a JPEG, PNG, WebP or GIF."
        )
    if width * height > MAX_PIXELS:
        raise ValidationError(f"The image is {width}×{height} pixels; the limit is 40 megapixels.")


def _flattened(file):
    """The image upright (EXIF orientation applied) on white, as RGB."""
    file.seek(0)
    with Image.open(file) as image:
        image = ImageOps.exif_transpose(image).convert("RGBA")
    background = Image.new("RGBA", image.size, "white")
    return Image.alpha_composite(background, image).convert("RGB")


def _encode(image, image_format):
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
