"""Any change to what the public pages show starts a new content version (see caching.py)."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save

from routines.content import models
from routines.content.caching import bump_content_version

CONTENT_MODELS = (
    models.Routine,
    models.Step,
    models.Situation,
    models.BodyArea,
    models.Image,
    models.Source,
    models.LearnArticle,
    models.Claim,
    models.TriageLevel,
    models.SafetySign,
    models.Disclaimer,
)
CONTENT_RELATIONS = (
    models.Routine.situations,
    models.Routine.body_areas,
    models.Routine.sources,
    models.Claim.sources,
    models.SafetySign.sources,
    models.Disclaimer.sources,
)


def connect() -> None:
    """Called once from ContentConfig.ready()."""
    for model in CONTENT_MODELS:
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"content-{model}")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"content-del-{model}")
    for relation in CONTENT_RELATIONS:
        m2m_changed.connect(
            bump_content_version,
            sender=relation.through,
            dispatch_uid=f"content-m2m-{relation.through}",
        )
