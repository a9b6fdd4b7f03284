from __future__ import annotations

from typing import Any, Self, TypeVar

from django.db import models

_M = TypeVar("_M", bound=models.Model)


class PublishableQuerySet(models.QuerySet[_M]):
    """Content with a `published` flag: drafts are for staff only."""

    def published(self) -> Self:
        return self.filter(published=True)

    def visible_to(self, user: Any) -> Self:
        """Staff may preview drafts ("View on site" in the admin); everyone else sees what is
        published."""
        return self if user.is_staff else self.published()
