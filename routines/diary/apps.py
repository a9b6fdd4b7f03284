from django.apps import AppConfig


class DiaryConfig(AppConfig):
    """The cramp diary: what happened, when, and what helped (on the player's runs)."""

    name = "routines.diary"
    label = "diary"
    verbose_name = "Cramp diary"

    def ready(self) -> None:
        from routines.diary import signals  # noqa: F401  (connects the receivers)
