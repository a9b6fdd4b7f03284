"""Reminder pages (signed in), the in-app banner, the private calendar feed, Web Push devices
and the service worker, and the hydration log."""

from django.urls import path

from routines.reminders.views import banner, calendar, hydration, push, reminders

urlpatterns = [
    path("reminders/", reminders.reminder_list, name="reminders"),
    path("reminders/new/", reminders.reminder_create, name="reminder_create"),
    path("reminders/preview/", reminders.reminder_preview, name="reminder_preview"),
    path("reminders/settings/", reminders.reminder_settings, name="reminder_settings"),
    path("reminders/suggested/", reminders.reminders_suggested, name="reminders_suggested"),
    path("reminders/pause/", reminders.reminders_pause, name="reminders_pause"),
    path("reminders/resume/", reminders.reminders_resume, name="reminders_resume"),
    path("reminders/calendar/new-link/", reminders.calendar_new_link, name="calendar_new_link"),
    path("reminders/<int:pk>/edit/", reminders.reminder_edit, name="reminder_edit"),
    path("reminders/<int:pk>/toggle/", reminders.reminder_toggle, name="reminder_toggle"),
    path("reminders/<int:pk>/snooze/", reminders.reminder_snooze, name="reminder_snooze"),
    path(
        "reminders/<int:pk>/remove/",
        reminders.reminder_confirm_delete,
        name="reminder_confirm_delete",
    ),
    path("reminders/<int:pk>/delete/", reminders.reminder_delete, name="reminder_delete"),
    path("reminders/due/", banner.due_banner, name="reminders_due"),
    path("reminders/due/<int:pk>/dismiss/", banner.due_dismiss, name="reminder_due_dismiss"),
    path("reminders/due/<int:pk>/go/", banner.due_act, name="reminder_due_act"),
    path("calendar/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("push/subscribe/", push.subscribe, name="push_subscribe"),
    path("push/devices/", push.devices, name="push_devices"),
    path("push/devices/<int:pk>/remove/", push.remove_device, name="push_device_remove"),
    path("push/test/", push.send_test, name="push_test"),
    path("hydration/", hydration.hydration_log, name="hydration"),
    path("hydration/add/", hydration.add_glass, name="hydration_add"),
    path("hydration/undo/", hydration.undo_glass, name="hydration_undo"),
    path("hydration/settings/", hydration.hydration_settings, name="hydration_settings"),
    # The "Drank a glass" action of a hydration notification (a signed one-occurrence token).
    path("hydration/drank/<str:token>/", hydration.drank, name="hydration_drank"),
]
