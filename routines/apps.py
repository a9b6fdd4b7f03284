from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class RoutinesConfig(AppConfig):
    name = "routines"
    verbose_name = "Routines and content"

    def ready(self) -> None:
        from . import models
        from .caching import bump_content_version

        # Any change to what the public pages show starts a new content version.
        content_models = (
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
        for model in content_models:
            post_save.connect(bump_content_version, sender=model, dispatch_uid=f"content-{model}")
            post_delete.connect(
                bump_content_version, sender=model, dispatch_uid=f"content-del-{model}"
            )
        for relation in (
            models.Routine.situations,
            models.Routine.body_areas,
            models.Routine.sources,
            models.Claim.sources,
            models.SafetySign.sources,
            models.Disclaimer.sources,
        ):
            m2m_changed.connect(
                bump_content_version,
                sender=relation.through,
                dispatch_uid=f"content-m2m-{relation.through}",
            )
