"""Unknot's built-in content, as plain Python data, and the loader that puts it in the database.

`python manage.py load_library` calls `load_library()`. The data modules hold the wording the
app ships with; once loaded, staff own the rows and edit them in the admin.
"""

from routines.content.library.disclaimers import DISCLAIMERS
from routines.content.library.learn import LEARN_ARTICLES
from routines.content.library.loader import LibraryError, LoadReport, load_library
from routines.content.library.routines import ROUTINES
from routines.content.library.safety import SAFETY_SIGNS, TRIAGE_LEVELS
from routines.content.library.sources import SOURCES
from routines.content.library.taxonomy import BODY_AREAS, SITUATIONS

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
