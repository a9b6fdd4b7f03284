"""Reminder pages (signed in), the in-app banner, and the private calendar feed."""

from django.urls import path

from .views import reminders

urlpatterns = [
    path("reminders/", reminders.reminder_list, name="reminders"),
    path("reminders/new/", reminders.reminder_create, name="reminder_create"),
    path("reminders/preview/", reminders.reminder_preview, name="reminder_preview"),
    path("reminders/settings/", reminders.reminder_settings, name="reminder_settings"),
    path("reminders/suggested/", reminders.reminders_suggested, name="reminders_suggested"),
    path("reminders/pause/", reminders.reminders_pause, name="reminders_pause"),
    path("reminders/resume/", reminders.reminders_resume, name="reminders_resume"),
    path("reminders/calendar/new-link/", reminders.calendar_new_link, name="calendar_new_link"),
    path("reminders/due/", reminders.due_banner, name="reminders_due"),
    path("reminders/due/<int:pk>/dismiss/", reminders.due_dismiss, name="reminder_due_dismiss"),
    path("reminders/due/<int:pk>/go/", reminders.due_act, name="reminder_due_act"),
    path("reminders/<int:pk>/edit/", reminders.reminder_edit, name="reminder_edit"),
    path("reminders/<int:pk>/toggle/", reminders.reminder_toggle, name="reminder_toggle"),
    path("reminders/<int:pk>/snooze/", reminders.reminder_snooze, name="reminder_snooze"),
    path(
        "reminders/<int:pk>/remove/",
        reminders.reminder_confirm_delete,
        name="reminder_confirm_delete",
    ),
    path("reminders/<int:pk>/delete/", reminders.reminder_delete, name="reminder_delete"),
    path("calendar/<str:token>.ics", reminders.calendar_feed, name="calendar_feed"),
]
