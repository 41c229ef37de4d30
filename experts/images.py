"""Expert photos: what an upload must be, and the thumbnail made from it once."""

import uuid
from io import BytesIO
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
THUMBNAIL_SIZE = (320, 320)


def photo_upload_path(instance, filename):
    # Generated names: nothing of the uploader's file name reaches the server's disk.
    suffix = PurePath(filename).suffix.lower()
    return f"experts/photos/{uuid.uuid4().hex}{suffix}"


def validate_photo(file):
    if file.size > MAX_BYTES:
        raise ValidationError("The photo is larger than 10 MB; please upload a smaller one.")
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
        raise ValidationError(f"The photo is {width}×{height} pixels; the limit is 40 megapixels.")


def make_thumbnail(file):
    """A square JPEG, centred a little above the middle, where faces usually are."""
    file.seek(0)
    with Image.open(file) as image:
        image = ImageOps.exif_transpose(image).convert("RGBA")
    background = Image.new("RGBA", image.size, "white")
    flattened = Image.alpha_composite(background, image).convert("RGB")
    thumbnail = ImageOps.fit(
        flattened, THUMBNAIL_SIZE, Image.Resampling.LANCZOS, centering=(0.5, 0.35)
    )
    output = BytesIO()
    thumbnail.save(output, "JPEG", quality=85, optimize=True, progressive=True)
    return ContentFile(output.getvalue())
