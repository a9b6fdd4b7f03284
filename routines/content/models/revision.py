from django.db import models


class LibraryRevision(models.Model):
    """A correction to the shipped wording that `load_library` has applied to this database.

    Recorded so each correction runs once: a field staff later set back on purpose is left be.
    See `routines.content.library.revisions`.
    """

    name = models.SlugField(max_length=80, unique=True)
    applied = models.DateTimeField(auto_now_add=True)
    updated = models.PositiveIntegerField(
        default=0, help_text="Changes made: the fields still held the old shipped wording."
    )
    kept = models.PositiveIntegerField(
        default=0, help_text="Changes not made, because staff had edited those fields."
    )

    class Meta:
        ordering = ["applied", "pk"]
        verbose_name = "library revision"

    def __str__(self) -> str:
        return self.name
