"""Unknot's built-in content, as plain Python data, and the loader that puts it in the database.

`python manage.py load_library` calls `load_library()`. The data modules hold the wording the
app ships with; once loaded, staff own the rows and edit them in the admin.
"""

from .disclaimers import DISCLAIMERS
from .learn import LEARN_ARTICLES
from .loader import LibraryError, LoadReport, load_library
from .routines import ROUTINES
from .safety import SAFETY_SIGNS, TRIAGE_LEVELS
from .sources import SOURCES
from .taxonomy import BODY_AREAS, SITUATIONS

__all__ = [
    "BODY_AREAS",
    "DISCLAIMERS",
    "LEARN_ARTICLES",
    "ROUTINES",
    "SAFETY_SIGNS",
    "SITUATIONS",
    "SOURCES",
    "TRIAGE_LEVELS",
    "LibraryError",
    "LoadReport",
    "load_library",
]
