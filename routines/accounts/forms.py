"""Account forms: Django's own auth forms with Unknot's labels, help texts and messages.

The validation itself (password rules, case-insensitive usernames, reset tokens) is Django's;
these classes only change the words people read, and add the optional email at sign-up.
"""

from __future__ import annotations

import logging
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    UserCreationForm,
)
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string

from routines.accounts.models import Profile
from routines.accounts.zones import zone_or_utc

logger = logging.getLogger(__name__)

PASSWORD_HELP = (
    "At least 8 characters. Avoid common passwords, numbers alone, "
    "and anything close to your username or email."
)
PASSWORD_AGAIN_HELP = "Type the same password again, to make sure it has no typos."
PASSWORDS_DIFFER = "The two passwords are not the same. Please type them again."


class SignupForm(UserCreationForm):
    """Username and password (twice), with an optional email used only for password resets.

    `UserCreationForm` already rejects a username that differs from an existing one only in
    case, and runs AUTH_PASSWORD_VALIDATORS against the new user.
    """

    email = forms.EmailField(
        label="Email address",
        required=False,
        max_length=254,
        help_text="Only used to send you a link if you forget your password.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    #: The browser's IANA time zone, filled in by static/js/timezone.js; for reminders.
    timezone = forms.CharField(
        required=False,
        widget=forms.HiddenInput(attrs={"data-browser-timezone": ""}),
    )

    error_messages = {**UserCreationForm.error_messages, "password_mismatch": PASSWORDS_DIFFER}

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
        error_messages = {
            "username": {"unique": "That username is taken. Please choose another."},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.help_text = "Up to 150 characters: letters, numbers and @ . + - _ only."
        self.fields["password1"].label = "Password"
        self.fields["password1"].help_text = PASSWORD_HELP
        self.fields["password2"].label = "Password again"
        self.fields["password2"].help_text = PASSWORD_AGAIN_HELP

    def clean_timezone(self) -> str:
        """A known zone, or UTC without a word: the person can change it in their settings."""
        return zone_or_utc((self.cleaned_data.get("timezone") or "").strip()).key

    def clean_email(self) -> str:
        """The address, normalised. Whether another account has it is not said here (that
        would tell anyone which addresses have accounts): `save` deals with it."""
        email = self.cleaned_data.get("email") or ""
        return self._meta.model.objects.normalize_email(email) if email else ""

    def save(self, commit: bool = True) -> Any:
        """The new user and their profile (with the browser's time zone), together.

        An email address that belongs to another account is not given to the new one (each
        address resets one account's password); its owner gets an email saying so instead, and
        the person signing up sees exactly what they would have seen otherwise.
        """
        if not commit:
            return super().save(commit=False)
        with transaction.atomic():
            user = super().save(commit=False)
            owner = None
            if user.email:
                owner = (
                    self._meta.model._default_manager.filter(email__iexact=user.email)
                    .order_by("pk")
                    .first()
                )
                if owner is not None:
                    user.email = ""
            user.save()
            self._save_m2m()
            Profile.objects.create(user=user, timezone=self.cleaned_data["timezone"])
        if owner is not None:
            tell_owner_of_signup_attempt(owner)
        return user


def tell_owner_of_signup_attempt(owner: Any) -> None:
    """Email the owner of an address that someone gave when signing up for a new account."""
    context = {"user": owner, "site_url": settings.SITE_URL}
    try:
        send_mail(
            "Someone signed up for Unknot with your email address",
            render_to_string("registration/email_in_use_email.txt", context),
            None,
            [owner.email],
        )
    except Exception:
        # The sign-up goes on as for any other address: an error page would tell.
        logger.exception("Could not send the email-in-use notice to account %s", owner.pk)


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": (
            "That username and password do not match an account. "
            "Both are case-sensitive, so check for capital letters."
        ),
        "inactive": "This account has been switched off.",
    }


class _NewPasswordWords:
    """Our words for the two "new password" fields of SetPasswordForm and its subclasses."""

    fields: dict[str, forms.Field]

    def _use_our_words(self) -> None:
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = PASSWORD_HELP
        self.fields["new_password2"].label = "New password again"
        self.fields["new_password2"].help_text = PASSWORD_AGAIN_HELP


class ResetSetPasswordForm(_NewPasswordWords, SetPasswordForm):
    """Choosing a new password from a reset link."""

    error_messages = {**SetPasswordForm.error_messages, "password_mismatch": PASSWORDS_DIFFER}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._use_our_words()


class ChangePasswordForm(_NewPasswordWords, PasswordChangeForm):
    """Changing the password while signed in: the current one first."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_mismatch": PASSWORDS_DIFFER,
        "password_incorrect": "That is not your current password. Please try again.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Current password"
        self._use_our_words()


class ResetRequestForm(PasswordResetForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].help_text = "The address you gave when you signed up."
