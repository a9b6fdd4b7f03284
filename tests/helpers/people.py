"""People for tests: users and signed-in test clients."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.test import Client

#: A password Django's validators accept; every user made here has it.
PASSWORD = "tidal-Harbour-47"


def make_user(
    username: str = "sam",
    *,
    email: str | None = None,
    password: str = PASSWORD,
    timezone: str | None = None,
) -> Any:
    """A user `username` with the email `<username>@example.com` (unless given) and
    `PASSWORD`; with a Profile in `timezone` if one is given (without one, the app makes its
    default profile when it first needs it)."""
    user = get_user_model().objects.create_user(
        username=username,
        email=f"{username}@example.com" if email is None else email,
        password=password,
    )
    if timezone is not None:
        from routines.accounts.models import Profile

        Profile.objects.create(user=user, timezone=timezone)
    return user


def signed_in(user: AbstractBaseUser, client: Client | None = None, **client_kwargs: Any) -> Client:
    """A test client with `user` logged in: `client` if given, else a new one made with
    `client_kwargs` (e.g. HTTP_USER_AGENT=...)."""
    client = client if client is not None else Client(**client_kwargs)
    client.force_login(user)
    return client
