from .evidence import Evidence, Source
from .hydration import HydrationLog
from .images import Image
from .learn import Claim, LearnArticle
from .profile import Profile
from .push import DeliveryAttempt, DeliveryResult, PushSubscription
from .reminders import (
    Occurrence,
    OccurrenceStatus,
    Reminder,
    ReminderKind,
    ScheduleKind,
)
from .routine import BodyArea, Purpose, Routine, RoutineQuerySet, Situation
from .run import Run
from .safety import Disclaimer, SafetySign, TriageLevel
from .step import REP_SECONDS, Side, Step, StepKind

__all__ = [
    "REP_SECONDS",
    "BodyArea",
    "Claim",
    "DeliveryAttempt",
    "DeliveryResult",
    "Disclaimer",
    "Evidence",
    "HydrationLog",
    "Image",
    "LearnArticle",
    "Occurrence",
    "OccurrenceStatus",
    "Profile",
    "Purpose",
    "PushSubscription",
    "Reminder",
    "ReminderKind",
    "Routine",
    "RoutineQuerySet",
    "Run",
    "SafetySign",
    "ScheduleKind",
    "Side",
    "Situation",
    "Source",
    "Step",
    "StepKind",
    "TriageLevel",
]
