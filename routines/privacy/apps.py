from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Your data: download everything the app holds about you, or delete your account."""

    name = "routines.privacy"
    label = "privacy"
    verbose_name = "Your data"
