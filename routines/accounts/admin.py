"""A person's profile (time zone, quiet hours) beside their account in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from routines.accounts.models import Profile


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["timezone", "quiet_start", "quiet_end", "bedtime", "paused_until"]


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class PersonAdmin(UserAdmin):
    inlines = [ProfileInline]
