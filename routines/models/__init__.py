from .evidence import Evidence, Source
from .images import Image
from .learn import Claim, LearnArticle
from .routine import BodyArea, Purpose, Routine, RoutineQuerySet, Situation
from .run import Run
from .safety import Disclaimer, SafetySign, TriageLevel
from .step import REP_SECONDS, Side, Step, StepKind

__all__ = [
    "REP_SECONDS",
    "BodyArea",
    "Claim",
    "Disclaimer",
    "Evidence",
    "Image",
    "LearnArticle",
    "Purpose",
    "Routine",
    "RoutineQuerySet",
    "Run",
    "SafetySign",
    "Side",
    "Situation",
    "Source",
    "Step",
    "StepKind",
    "TriageLevel",
]
