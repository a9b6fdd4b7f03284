"""Receivers of the player app, connected by PlayerConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest

from routines.player.sessions import claim_guest_runs


@receiver(user_logged_in, dispatch_uid="claim-guest-runs")
def guest_runs_become_the_users(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """Runs started as a guest become the person's own when they log in or sign up."""
    if request is not None and hasattr(request, "session"):
        claim_guest_runs(request.session, user)
