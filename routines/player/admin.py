"""Runs, read-only: for looking into a report ("the timer jumped"), never for editing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from routines.player.models import Run


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ["routine_title", "user", "started_at", "finished_at", "ended_early", "rating"]
    list_filter = ["ended_early", "rating"]
    search_fields = ["routine_title", "user__username"]
    date_hierarchy = "started_at"
    list_select_related = ["user"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
