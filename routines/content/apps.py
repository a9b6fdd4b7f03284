from django.apps import AppConfig


class ContentConfig(AppConfig):
    """Routines, steps, Learn pages, evidence, safety triage, images, the library and its cache."""

    name = "routines.content"
    label = "content"
    verbose_name = "Routines and content"

    def ready(self) -> None:
        from . import signals

        signals.connect()
