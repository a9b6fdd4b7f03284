from __future__ import annotations

from typing import Any

from django import forms


class ConfirmDeleteForm(forms.Form):
    """The password again, before the account goes. Whether it is right is checked in the view,
    through `authenticate`, so wrong tries count towards the log-in lock-out."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Type your password to confirm."},
    )

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        # Back to the field, whose error it then reads out (htmx focuses it after the swap).
        self.fields["password"].widget.attrs["autofocus"] = True
