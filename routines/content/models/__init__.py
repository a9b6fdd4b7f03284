from routines.content.models.evidence import Evidence, Source
from routines.content.models.images import Image
from routines.content.models.learn import Claim, LearnArticle
from routines.content.models.revision import LibraryRevision
from routines.content.models.routine import BodyArea, Purpose, Routine, RoutineQuerySet, Situation
from routines.content.models.safety import Disclaimer, SafetySign, TriageLevel
from routines.content.models.step import REP_SECONDS, Side, Step, StepKind

__all__ = [
    "REP_SECONDS",
    "BodyArea",
    "Claim",
    "Disclaimer",
    "Evidence",
    "Image",
    "LearnArticle",
    "LibraryRevision",
    "Purpose",
    "Routine",
    "RoutineQuerySet",
    "SafetySign",
    "Side",
    "Situation",
    "Source",
    "Step",
    "StepKind",
    "TriageLevel",
]
