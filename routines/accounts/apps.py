from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign up, log in, passwords, and each person's profile (time zone and settings)."""

    name = "routines.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from routines.accounts import checks  # noqa: F401 (registers the system checks)
