"""The image pipeline: what it accepts, what it refuses, and what it leaves out of the files."""

from __future__ import annotations

import io
import re
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms, ImageFile

from routines.content import images
from routines.content.images import MB, process_image

RANDOM_NAME = re.compile(r"^[0-9a-f]{32}\.webp$")


def photo_bytes(size: tuple[int, int] = (2000, 1500), **save_options: object) -> bytes:
    """A noisy RGB JPEG, like a photo (noise keeps the encoder from cheating)."""
    bands = [Image.effect_noise(size, 60 + 10 * i) for i in range(3)]
    picture = Image.merge("RGB", bands)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=90, **save_options)
    return buffer.getvalue()


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Phone maker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x0112] = orientation  # Orientation
    exif[0x0131] = "Camera app 1.0"  # Software
    return exif


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def webp_chunks(data: bytes) -> list[bytes]:
    """The chunk names in a WebP (RIFF) file: VP8/VP8L/VP8X, and EXIF/ICCP/XMP if present."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    names, offset = [], 12
    while offset + 8 <= len(data):
        name = data[offset : offset + 4]
        (length,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        names.append(name)
        offset += 8 + length + (length % 2)
    return names


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares a huge 1-bit greyscale image (a decompression bomb's header).

    Its pixel data is a few bytes: decoding it would fail, so a refusal proves it was never
    decoded, and the file stays small however big the declared image is.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def refusal(data: bytes, name: str = "photo.jpg") -> str:
    with pytest.raises(ValidationError) as caught:
        process_image(upload(data, name))
    return " ".join(caught.value.messages)


@pytest.fixture
def no_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if Pillow decodes any pixel data."""

    def load(self: ImageFile.ImageFile) -> None:
        raise AssertionError("the image was decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)


def test_photo_is_resized_to_1200_on_the_long_side_with_a_400_thumbnail() -> None:
    result = process_image(upload(photo_bytes((2000, 1500))))

    assert (result.width, result.height) == (1200, 900)
    assert (result.thumbnail_width, result.thumbnail_height) == (400, 300)
    with Image.open(result.main) as main:
        assert main.format == "WEBP"
        assert main.size == (1200, 900)
    with Image.open(result.thumbnail) as thumbnail:
        assert thumbnail.format == "WEBP"
        assert thumbnail.size == (400, 300)


def test_portrait_photo_is_limited_on_its_long_side() -> None:
    result = process_image(upload(photo_bytes((1500, 2000))))

    assert (result.width, result.height) == (900, 1200)
    assert (result.thumbnail_width, result.thumbnail_height) == (300, 400)


def test_every_kind_of_metadata_is_stripped() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = photo_bytes(
        (800, 600),
        exif=camera_exif(),
        icc_profile=srgb,
        comment=b"taken at home",
        xmp=b"<x:xmpmeta xmlns:x='adobe:ns:meta/'>secret place</x:xmpmeta>",
    )
    with Image.open(io.BytesIO(data)) as original:  # the test file really carries them all
        assert {"exif", "icc_profile", "comment", "xmp"} <= set(original.info)

    result = process_image(upload(data))

    for output in (result.main, result.thumbnail):
        raw = output.read()
        assert webp_chunks(raw)[0] in {b"VP8 ", b"VP8L"}, "a plain WebP, with no extended header"
        assert not {b"EXIF", b"ICCP", b"XMP "} & set(webp_chunks(raw))
        assert b"Phone maker" not in raw and b"secret place" not in raw
        with Image.open(io.BytesIO(raw)) as reopened:
            assert len(reopened.getexif()) == 0
            assert not {"exif", "icc_profile", "xmp", "comment"} & set(reopened.info)


def test_exif_orientation_is_applied_then_dropped() -> None:
    # Stored 300x200, left half red and right half blue; orientation 6 says "rotate 90° clockwise
    # to show", so people see a 200x300 picture with red on top.
    picture = Image.new("RGB", (300, 200), "blue")
    picture.paste("red", (0, 0, 150, 200))
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=95, exif=camera_exif(orientation=6))

    result = process_image(upload(buffer.getvalue()))

    assert (result.width, result.height) == (200, 300)
    with Image.open(result.main) as main:
        assert main.size == (200, 300)
        assert len(main.getexif()) == 0
        red, _, blue = main.convert("RGB").getpixel((100, 40))
        assert red > 200 and blue < 60
        red, _, blue = main.convert("RGB").getpixel((100, 260))
        assert blue > 200 and red < 60


def test_small_image_is_never_upscaled() -> None:
    result = process_image(upload(photo_bytes((300, 200))))

    assert (result.width, result.height) == (300, 200)
    assert (result.thumbnail_width, result.thumbnail_height) == (300, 200)


def test_transparent_png_keeps_its_transparency() -> None:
    picture = Image.new("RGBA", (500, 500), (0, 128, 0, 0))
    picture.paste((0, 128, 0, 255), (100, 100, 400, 400))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")

    result = process_image(upload(buffer.getvalue(), "shape.png", "image/png"))

    with Image.open(result.main) as main:
        assert main.mode == "RGBA"
        assert main.getpixel((0, 0))[3] == 0
        assert main.getpixel((250, 250))[3] == 255


def test_files_get_new_random_names() -> None:
    data = photo_bytes((600, 400))
    first = process_image(upload(data, "Jane Doe at home.jpg"))
    second = process_image(upload(data, "Jane Doe at home.jpg"))

    names = [first.main.name, first.thumbnail.name, second.main.name, second.thumbnail.name]
    assert all(RANDOM_NAME.match(name) for name in names), names
    assert len(set(names)) == 4


def test_decompression_bomb_is_refused_without_decoding(no_decoding: None) -> None:
    data = png_header_only(20_000, 20_000)
    assert len(data) < 200

    message = refusal(data, "bomb.png")

    assert "the limit is 40 megapixels" in message


def test_webp_declaring_a_huge_canvas_is_refused() -> None:
    # A lossless WebP header for 16383 x 16383 pixels (the format's maximum), and no real data.
    bits = (16383 - 1) | ((16383 - 1) << 14)
    payload = b"\x2f" + struct.pack("<I", bits) + b"\x00" * 64
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    data = b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk

    assert "the limit is 40 megapixels" in refusal(data, "bomb.webp")


def test_too_many_pixels_is_refused_from_the_header(no_decoding: None) -> None:
    # 48 megapixels: under Pillow's own bomb limit, over ours.
    message = refusal(png_header_only(8000, 6000), "big.png")

    assert message == (
        "This image is 8000 by 6000 pixels (48.0 megapixels); the limit is 40 megapixels."
    )


def test_text_file_named_jpg_is_refused() -> None:
    assert refusal(b"Just some text, not a picture.\n" * 20) == (
        "This file is not a JPEG, PNG or WebP image."
    )


def test_gif_is_refused_even_when_named_jpg() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (50, 50), "red").save(buffer, format="GIF")

    assert refusal(buffer.getvalue(), "photo.jpg") == "This file is not a JPEG, PNG or WebP image."


def test_file_with_a_broken_header_is_refused() -> None:
    data = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\xff" * 40

    assert refusal(data, "photo.png") == "This file is not a JPEG, PNG or WebP image."


def test_truncated_photo_is_refused_as_damaged() -> None:
    data = photo_bytes((800, 600))[:3000]

    assert refusal(data) == "This image could not be read. The file may be damaged."


def test_file_over_10_mb_is_refused_before_it_is_opened(no_decoding: None) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(buffer, format="PNG")
    data = buffer.getvalue()
    data += b"\x00" * (12 * MB + 300_000 - len(data))  # Pillow ignores bytes after the end

    assert refusal(data, "big.png") == "This image is 12.3 MB; the limit is 10 MB."


def test_file_at_the_limit_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    data = photo_bytes((400, 300))
    monkeypatch.setattr(images, "MAX_BYTES", len(data))

    assert process_image(upload(data)).width == 400


def test_animated_webp_is_refused() -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "green", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="WEBP", save_all=True, append_images=frames[1:], duration=100)

    assert refusal(buffer.getvalue(), "moving.webp") == (
        "This image is animated. Upload a still picture."
    )


def test_animated_png_is_refused() -> None:
    frames = [Image.new("RGB", (64, 64), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, format="PNG", save_all=True, append_images=frames[1:], duration=100)

    assert refusal(buffer.getvalue(), "moving.png") == (
        "This image is animated. Upload a still picture."
    )


def test_still_webp_is_accepted() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), "orange").save(buffer, format="WEBP")

    result = process_image(upload(buffer.getvalue(), "still.webp", "image/webp"))

    assert (result.width, result.height) == (640, 480)
