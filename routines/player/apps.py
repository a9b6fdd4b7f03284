from django.apps import AppConfig


class PlayerConfig(AppConfig):
    """The guided player: the run state machine, runs, the safety check and the player pages."""

    name = "routines.player"
    label = "player"
    verbose_name = "Player"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects its receivers)
