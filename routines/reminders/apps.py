from django.apps import AppConfig


class RemindersConfig(AppConfig):
    """Reminders: schedule maths, occurrences, Web Push delivery, the calendar feed, hydration."""

    name = "routines.reminders"
    label = "reminders"
    verbose_name = "Reminders"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects its receivers)
