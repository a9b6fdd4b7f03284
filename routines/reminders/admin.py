"""Reminders and their deliveries, read-only: "did it send?" has an answer here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from routines.reminders.models import DeliveryAttempt, Occurrence, PushSubscription, Reminder


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnly):
    list_display = ["__str__", "kind", "schedule", "enabled", "next_fire_at"]
    list_filter = ["kind", "schedule", "enabled"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(Occurrence)
class OccurrenceAdmin(ReadOnly):
    list_display = ["reminder", "scheduled_for", "status", "attempts", "sent_at", "claimed_by"]
    list_filter = ["status"]
    date_hierarchy = "scheduled_for"
    list_select_related = ["reminder__user"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnly):
    list_display = ["user", "__str__", "created", "last_delivered_at"]
    search_fields = ["user__username"]
    list_select_related = ["user"]


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnly):
    list_display = ["at", "endpoint_host", "result", "status_code"]
    list_filter = ["result"]
    date_hierarchy = "at"

    @admin.display(description="push service")
    def endpoint_host(self, attempt: DeliveryAttempt) -> str:
        return attempt.endpoint.split("/")[2] if "://" in attempt.endpoint else attempt.endpoint
