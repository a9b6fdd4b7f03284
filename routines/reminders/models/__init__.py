from routines.reminders.models.hydration import HydrationLog
from routines.reminders.models.push import DeliveryAttempt, DeliveryResult, PushSubscription
from routines.reminders.models.reminders import (
    Occurrence,
    OccurrenceStatus,
    Reminder,
    ReminderKind,
    ScheduleKind,
)

__all__ = [
    "DeliveryAttempt",
    "DeliveryResult",
    "HydrationLog",
    "Occurrence",
    "OccurrenceStatus",
    "PushSubscription",
    "Reminder",
    "ReminderKind",
    "ScheduleKind",
]
