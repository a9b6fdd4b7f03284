"""When a routine is used (situations) and where it works (body areas)."""

from routines.content.library.types import TagData

SITUATIONS: tuple[TagData, ...] = (
    TagData("cramp-now", "Cramp now", 1),
    TagData("bedtime", "Bedtime", 2),
    TagData("before-exercise", "Before exercise", 3),
    TagData("after-exercise", "After exercise", 4),
    TagData("desk-break", "Desk break", 5),
    TagData("after-cramp", "After a cramp", 6),
)

BODY_AREAS: tuple[TagData, ...] = (
    TagData("calf", "Calf", 1),
    TagData("hamstring", "Hamstring", 2),
    TagData("thigh", "Thigh", 3),
    TagData("foot", "Foot", 4),
)
