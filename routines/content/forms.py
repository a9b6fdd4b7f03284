from django import forms

from routines.content.models import BodyArea, Situation


class LibraryFilterForm(forms.Form):
    """The library's filters, read from the query string (?situation=bedtime&area=calf)."""

    situation = forms.ModelChoiceField(
        queryset=Situation.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any time",
        error_messages={"invalid_choice": "There is no situation called “%(value)s”."},
    )
    area = forms.ModelChoiceField(
        queryset=BodyArea.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label="Any body area",
        label="Body area",
        error_messages={"invalid_choice": "There is no body area called “%(value)s”."},
    )
