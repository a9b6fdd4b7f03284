from django.db import models


class Evidence(models.TextChoices):
    """How well the sources back a claim (the brief's three labels)."""

    SUPPORTED = "supported", "Supported"
    MIXED = "mixed", "Mixed"
    WEAK = "weak", "Weak"


class Source(models.Model):
    """A reference a claim rests on: a guideline, a review, a trial."""

    code = models.CharField(
        max_length=10, unique=True, help_text="Short key used in the brief, for example S3."
    )
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.code}: {self.title}"
