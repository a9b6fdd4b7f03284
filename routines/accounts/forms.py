"""Account forms: Django's own auth forms with Unknot's labels, help texts and messages.

The validation itself (password rules, case-insensitive usernames, reset tokens) is Django's;
these classes only change the words people read, and add the optional email at sign-up.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    UserCreationForm,
)
from django.core.exceptions import ValidationError
from django.db import transaction

from routines.accounts.models import Profile
from routines.accounts.zones import zone_or_utc

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
        email = self.cleaned_data.get("email") or ""
        if not email:
            return ""
        user_model = self._meta.model
        email = user_model.objects.normalize_email(email)
        if user_model._default_manager.filter(email__iexact=email).exists():
            raise ValidationError(
                "Another account already uses this email address.", code="email_taken"
            )
        return email

    def save(self, commit: bool = True) -> Any:
        """The new user and their profile (with the browser's time zone), together."""
        if not commit:
            return super().save(commit=False)
        with transaction.atomic():
            user = super().save()
            Profile.objects.create(user=user, timezone=self.cleaned_data["timezone"])
        return user


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
