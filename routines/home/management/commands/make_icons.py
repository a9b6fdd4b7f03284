"""Make every app icon (the manifest's, the Apple touch icon, the favicon) from one image.

    manage.py make_icons                 # writes static/img/ (the committed icons)
    manage.py make_icons --output DIR    # somewhere else (the tests)

The source is routines/home/icons/source.png: a square RGBA image at least 512 px wide, the
artwork on a transparent background.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from PIL import Image, UnidentifiedImageError

SOURCE = Path(__file__).resolve().parents[2] / "icons" / "source.png"
#: The background of the icons that must be opaque (maskable, Apple): the theme colour.
BACKGROUND = "#0f5e63"
#: A maskable icon's artwork stays inside the central circle of 80% (the "safe zone").
MASKABLE_SCALE = 0.8
#: (file name, size, kind): "any" keeps the transparent corners, "maskable" is full-bleed
#: with the artwork in the safe zone, "opaque" fills the corners (iOS rounds them itself).
ICONS = (
    ("icon-192.png", 192, "any"),
    ("icon-512.png", 512, "any"),
    ("icon-maskable-192.png", 192, "maskable"),
    ("icon-maskable-512.png", 512, "maskable"),
    ("apple-touch-icon.png", 180, "opaque"),
)
FAVICON = ("favicon.ico", (16, 32, 48))
MIN_SOURCE = 512


def _load(path: Path) -> Image.Image:
    try:
        with Image.open(path) as image:
            image.load()
    except (OSError, UnidentifiedImageError) as error:
        raise CommandError(f"{path} is not an image Pillow can read: {error}") from error
    if image.width != image.height or image.width < MIN_SOURCE:
        raise CommandError(
            f"{path} must be square and at least {MIN_SOURCE} px wide "
            f"(it is {image.width}x{image.height})."
        )
    return image.convert("RGBA")


def render_icon(source: Image.Image, size: int, kind: str) -> Image.Image:
    """One icon of `size` px from the source, as `kind` ("any", "maskable" or "opaque")."""
    if kind == "any":
        return source.resize((size, size), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (size, size), BACKGROUND)
    inner = round(size * MASKABLE_SCALE) if kind == "maskable" else size
    art = source.resize((inner, inner), Image.Resampling.LANCZOS)
    offset = (size - inner) // 2
    canvas.alpha_composite(art, (offset, offset))
    return canvas.convert("RGB")


class Command(BaseCommand):
    help = "Make the app icons (manifest, Apple touch icon, favicon) from one source image."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", type=Path, default=SOURCE)
        parser.add_argument(
            "--output", type=Path, default=Path(settings.BASE_DIR) / "static" / "img"
        )

    def handle(self, *args: Any, source: Path, output: Path, **options: Any) -> None:
        image = _load(source)
        output.mkdir(parents=True, exist_ok=True)
        for name, size, kind in ICONS:
            render_icon(image, size, kind).save(output / name, optimize=True)
            self.stdout.write(f"{output / name} ({size}x{size}, {kind})")
        name, sizes = FAVICON
        image.save(output / name, sizes=[(s, s) for s in sizes])
        self.stdout.write(f"{output / name} ({', '.join(f'{s}x{s}' for s in sizes)})")
