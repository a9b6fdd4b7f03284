from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign up, log in, passwords, and each person's profile (time zone and settings)."""

    name = "routines.accounts"
    label = "accounts"
    verbose_name = "Accounts"
