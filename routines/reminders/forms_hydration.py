"""The hydration settings: a daily goal, and the switch for people on a fluid limit."""

from __future__ import annotations

from django import forms

from routines.accounts.models import Profile

MIN_GOAL = 1
MAX_GOAL = 30


class HydrationSettingsForm(forms.ModelForm):
    hydration_goal = forms.IntegerField(
        label="Daily goal (glasses)",
        min_value=MIN_GOAL,
        max_value=MAX_GOAL,
        help_text="From 1 to 30. Six to eight glasses a day suits most adults.",
        error_messages={
            "required": "Enter how many glasses a day you are aiming for.",
            "invalid": "Enter a whole number of glasses.",
            "min_value": f"Choose at least {MIN_GOAL} glass.",
            "max_value": f"Choose at most {MAX_GOAL} glasses.",
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    fluid_restriction = forms.BooleanField(
        label="A doctor or nurse has told me to limit how much I drink",
        required=False,
        help_text=(
            "Unknot then shows no goal or target anywhere. You can still count your glasses."
        ),
    )

    class Meta:
        model = Profile
        fields = ["hydration_goal", "fluid_restriction"]
