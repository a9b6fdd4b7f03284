"""The player's controls and the rating asked at the end of a run."""

from django import forms

from routines.player.machine import Action


class ControlForm(forms.Form):
    """One player control, from the player script or a plain form."""

    action = forms.ChoiceField(
        choices=[(a, a) for a in Action.ALL],
        error_messages={"invalid_choice": "“%(value)s” is not a player control."},
        widget=forms.HiddenInput,
    )
    phase = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)
    control_id = forms.CharField(max_length=64, required=False, widget=forms.HiddenInput)
    offset_ms = forms.IntegerField(
        min_value=0,
        max_value=24 * 60 * 60 * 1000,
        required=False,
        widget=forms.HiddenInput,
        error_messages={
            "max_value": "That control is more than a day old.",
            "min_value": "A control cannot come from the future.",
        },
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="Did it help?",
        choices=[
            (1, "1: not at all"),
            (2, "2"),
            (3, "3: a bit"),
            (4, "4"),
            (5, "5: a lot"),
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how much it helped, from 1 to 5.",
            "invalid_choice": "Choose how much it helped, from 1 to 5.",
        },
    )
