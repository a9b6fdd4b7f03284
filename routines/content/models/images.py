import uuid
from pathlib import PurePosixPath

from django.db import models


def _random_name(folder: str, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower() or ".webp"
    return f"{folder}/{uuid.uuid4().hex}{suffix}"


def image_upload_to(instance: "Image", filename: str) -> str:
    return _random_name("images", filename)


def thumbnail_upload_to(instance: "Image", filename: str) -> str:
    return _random_name("thumbs", filename)


class Image(models.Model):
    """A picture staff uploaded, already checked, re-encoded and resized (content/images.py)."""

    file = models.ImageField(upload_to=image_upload_to, width_field="width", height_field="height")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    thumbnail = models.ImageField(
        upload_to=thumbnail_upload_to,
        width_field="thumbnail_width",
        height_field="thumbnail_height",
        editable=False,
        blank=True,
    )
    thumbnail_width = models.PositiveIntegerField(editable=False, default=0)
    thumbnail_height = models.PositiveIntegerField(editable=False, default=0)
    alt = models.CharField(
        "description",
        max_length=200,
        help_text="What the picture shows, for people who cannot see it.",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.alt
