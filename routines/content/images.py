"""Check, clean and shrink a picture staff upload, before anything is stored.

`process_image` is a pure function: a file in, two WebP files out (the picture and its
thumbnail), or a `ValidationError` that says in plain words why the file was refused.

What it guards against, in order, and without decoding the pixels until the file has passed:
- files that are too big (bytes), or not really JPEG, PNG or WebP (whatever their name says);
- images that declare too many pixels (decompression bombs), checked from the header alone;
- animations.
What it cleans: the EXIF orientation is applied, colours are converted to sRGB, and every piece
of metadata (EXIF with its GPS position, ICC, XMP, comments) is left behind by re-encoding.
"""

from __future__ import annotations

import io
import math
import uuid
import warnings
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MB = 1024 * 1024
#: The largest file accepted, in bytes.
MAX_BYTES = 10 * MB
#: The most pixels accepted (width times height), read from the header before decoding.
MAX_PIXELS = 40_000_000
#: The long side of the stored picture and of its thumbnail, in pixels (never upscaled).
MAIN_MAX_SIDE = 1200
THUMBNAIL_MAX_SIDE = 400
WEBP_QUALITY = 82

#: Pillow format names we accept. MPO is how Pillow names a JPEG that carries extra pictures
#: (some phone cameras add a depth map or a preview); only its first picture is used.
ACCEPTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP")
#: The Pillow readers tried (the JPEG reader also opens MPO files); no other parser sees the file.
_READERS = ["JPEG", "PNG", "WEBP"]

NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP image."
ANIMATED = "This image is animated. Upload a still picture."
DAMAGED = "This image could not be read. The file may be damaged."


@dataclass(frozen=True)
class ProcessedImage:
    """The cleaned picture and its thumbnail, as WebP files with random names."""

    main: ContentFile
    width: int
    height: int
    thumbnail: ContentFile
    thumbnail_width: int
    thumbnail_height: int


def _size_message(size: int) -> str:
    # Round up, so a file just over the limit never reads as "10.0 MB; the limit is 10 MB".
    shown = math.ceil(size / MB * 10) / 10
    return f"This image is {shown:.1f} MB; the limit is {MAX_BYTES // MB} MB."


def _pixels_message(width: int | None = None, height: int | None = None) -> str:
    limit = f"the limit is {MAX_PIXELS // 1_000_000} megapixels."
    if width is None or height is None:
        return f"This image has far too many pixels; {limit}"
    megapixels = width * height / 1_000_000
    return f"This image is {width} by {height} pixels ({megapixels:.1f} megapixels); {limit}"


def _random_name() -> str:
    return f"{uuid.uuid4().hex}.webp"


def _open_header(fp: IO[bytes]) -> Image.Image:
    """Read the header only: format, size, frames. Pillow decodes nothing here."""
    with warnings.catch_warnings():
        # Pillow warns (then refuses) when a header declares a huge image; both are refusals.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return Image.open(fp, formats=_READERS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(_pixels_message(), code="too_many_pixels") from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from exc


def _is_animated(image: Image.Image) -> bool:
    if image.format == "MPO":
        return False
    return bool(getattr(image, "is_animated", False)) or getattr(image, "n_frames", 1) > 1


def _decode(image: Image.Image) -> None:
    # Shrink big JPEGs while decoding (both sides stay at least MAIN_MAX_SIDE): less memory.
    if image.format in {"JPEG", "MPO"}:
        image.draft(None, (MAIN_MAX_SIDE, MAIN_MAX_SIDE))
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.load()
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ValidationError(_pixels_message(), code="too_many_pixels") from exc
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ValidationError(DAMAGED, code="damaged") from exc


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation, so the picture shows the right way up without its EXIF."""
    try:
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError, KeyError, TypeError):
        # Unreadable EXIF: keep the picture as stored rather than refuse it.
        return image


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert to RGB or RGBA, through the embedded colour profile when there is one.

    Phones often save photos in a wide colour space (Display P3); dropping the profile without
    converting first would make them look dull.
    """
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    if icc_profile and image.mode in {"RGB", "RGBA", "CMYK"}:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            converted = ImageCms.profileToProfile(
                image, source, ImageCms.createProfile("sRGB"), outputMode=mode
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None  # A broken profile: convert without it.
        if converted is not None:
            image = converted
    if image.mode != mode:
        image = image.convert(mode)
    if mode == "RGBA" and image.getextrema()[3][0] == 255:
        # Fully opaque: the alpha channel would only add bytes.
        image = image.convert("RGB")
    return image


def _encode(image: Image.Image) -> ContentFile:
    buffer = io.BytesIO()
    # No exif, icc_profile or xmp arguments: Pillow then writes none.
    image.save(buffer, format="WEBP", quality=WEBP_QUALITY, method=4)
    return ContentFile(buffer.getvalue(), name=_random_name())


def _shrunk(image: Image.Image, max_side: int) -> Image.Image:
    copy = image.copy()
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)  # never enlarges
    return copy


def process_image(uploaded: File) -> ProcessedImage:
    """Check an uploaded picture and return it cleaned, resized and re-encoded as WebP.

    Raises `ValidationError` with a message meant for the person who uploaded the file.
    """
    size = uploaded.size
    if size is not None and size > MAX_BYTES:
        raise ValidationError(_size_message(size), code="too_big")

    uploaded.seek(0)
    try:
        # The context manager leaves the upload open (closing the image would close it too).
        with _open_header(uploaded) as image:
            return _process(image)
    finally:
        uploaded.seek(0)


def _process(image: Image.Image) -> ProcessedImage:
    if image.format not in ACCEPTED_FORMATS:
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image")
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise ValidationError(_pixels_message(width, height), code="too_many_pixels")
    if _is_animated(image):
        raise ValidationError(ANIMATED, code="animated")

    icc_profile = image.info.get("icc_profile")
    _decode(image)
    picture = _to_srgb(_upright(image), icc_profile)
    picture.info.clear()

    main = _shrunk(picture, MAIN_MAX_SIDE)
    thumbnail = _shrunk(main, THUMBNAIL_MAX_SIDE)
    return ProcessedImage(
        main=_encode(main),
        width=main.width,
        height=main.height,
        thumbnail=_encode(thumbnail),
        thumbnail_width=thumbnail.width,
        thumbnail_height=thumbnail.height,
    )
