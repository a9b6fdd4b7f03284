"""Diary entries, read-only: a person's health notes, for looking into a report, never for
editing. Content editors have no permission on them; superusers can view and delete."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from routines.diary.models import CrampEntry


@admin.register(CrampEntry)
class CrampEntryAdmin(admin.ModelAdmin):
    list_display = ["started_at", "user", "muscle", "side", "intensity", "lasted_minutes"]
    list_filter = ["muscle", "side", "context"]
    date_hierarchy = "started_at"
    list_select_related = ["user"]
    raw_id_fields = ["user", "run"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
