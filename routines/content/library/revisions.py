"""Corrections to wording the library has already shipped, for databases loaded before them.

`load_library` creates only what is missing, so a database loaded from an older library keeps
the old wording until a revision here brings it up to date. How a revision changes a database
without overwriting what staff wrote:

- Each `Change` names rows by their natural key and, for each field, the value the old library
  shipped and the new one. The update is a compare-and-set in the database
  (`UPDATE ... SET field = new WHERE key = ... AND field = old`): a field that no longer holds
  the old shipped value was edited by staff, and is left as they made it. Other fields of the
  same row are never written.
- Fields that must agree (a claim's heading, verdict, evidence label and text) are one `Change`:
  all of them still hold the shipped values, or none is touched. Fields that stand alone (a
  sign's level, its order, its detail) are separate changes, so a staff edit to one does not
  hold back the safety fix in another.
- A `LineChange` swaps one line of a one-per-line text field (a routine's safety notes), so
  staff lines added around it stay.
- `load_library` applies each revision once and records it in `LibraryRevision`, with how many
  changes it made and how many it left because staff had edited them (`--verbosity 2` names
  those, for a person to review). A field staff later set back to the old text on purpose stays
  so. A database loaded fresh gets the new wording when its rows are created, and the revisions
  are recorded as applied without running.

New values are taken from the current library data, so the wording has one source. The old
values are the history: never edit them. A later correction is a new revision whose old values
are the new values of the ones before.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from routines.content.library.disclaimers import DISCLAIMERS
from routines.content.library.learn import LEARN_ARTICLES
from routines.content.library.routines import ROUTINES
from routines.content.library.safety import (
    LONG_CRAMP_ADVICE,
    LONG_CRAMP_KEY,
    NOT_AN_EMERGENCY,
    SAFETY_SIGNS,
    TODAY,
    TRIAGE_LEVELS,
)
from routines.content.library.types import (
    ArticleData,
    ClaimData,
    DisclaimerData,
    SafetySignData,
    StepData,
    TriageLevelData,
)
from routines.content.models import (
    Claim,
    Disclaimer,
    LearnArticle,
    Routine,
    SafetySign,
    Situation,
    Step,
    StepKind,
    TriageLevel,
)


@dataclass(frozen=True)
class Ref:
    """A foreign key's value, given by the target's natural key."""

    model: type[models.Model]
    key_field: str
    key: str

    def pk(self) -> Any:
        return (
            self.model._default_manager.filter(**{self.key_field: self.key})
            .values_list("pk", flat=True)
            .first()
        )


class _Unresolved(Exception):
    """A `Ref` names a row that is not there (staff renamed or removed it)."""


def _value(value: Any) -> Any:
    if isinstance(value, Ref):
        pk = value.pk()
        if pk is None:
            raise _Unresolved(value)
        return pk
    return value


@dataclass(frozen=True)
class Outcome:
    """What one change did: rows brought up to date, rows already so, rows staff had edited."""

    updated: int = 0
    already: int = 0
    kept: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Change:
    """Set `fields` (name: (old shipped value, new value)) on the rows matching `where`, only
    where every one of them still holds its old value."""

    model: type[models.Model]
    where: Mapping[str, Any]
    fields: Mapping[str, tuple[Any, Any]]

    def label(self) -> str:
        keys = ", ".join(str(v) for v in self.where.values())
        return f"{self.model._meta.verbose_name} {keys} ({', '.join(self.fields)})"

    def apply(self) -> Outcome:
        try:
            old = {name: _value(values[0]) for name, values in self.fields.items()}
            new = {name: _value(values[1]) for name, values in self.fields.items()}
        except _Unresolved:
            return Outcome(kept=[self.label()])
        rows = self.model._default_manager.filter(**self.where)
        total = rows.count()
        already = rows.filter(**new).count()
        updated = rows.filter(**old).update(**new)
        edited = total - already - updated
        return Outcome(updated, already, [self.label()] * edited)


@dataclass(frozen=True)
class LineChange:
    """Swap the line `old` for `new` in a one-per-line text field of the rows matching `where`."""

    model: type[models.Model]
    where: Mapping[str, Any]
    field_name: str
    old: str
    new: str

    def label(self) -> str:
        keys = ", ".join(str(v) for v in self.where.values())
        return f"{self.model._meta.verbose_name} {keys} ({self.field_name}, one line)"

    def apply(self) -> Outcome:
        updated = already = 0
        kept = []
        rows = self.model._default_manager.filter(**self.where).values_list("pk", self.field_name)
        for pk, text in rows:
            lines = [line.strip() for line in text.splitlines()]
            if self.old in lines:
                swapped = "\n".join(self.new if line == self.old else line for line in lines)
                # Compare-and-set: only if the text is still what was just read.
                updated += self.model._default_manager.filter(
                    pk=pk, **{self.field_name: text}
                ).update(**{self.field_name: swapped})
            elif self.new in lines:
                already += 1
            else:
                kept.append(self.label())
        return Outcome(updated, already, kept)


@dataclass(frozen=True)
class Revision:
    name: str
    changes: tuple[Change | LineChange, ...]


# Current values, looked up by natural key ----------------------------------------------------


def _article(slug: str) -> ArticleData:
    return next(a for a in LEARN_ARTICLES if a.slug == slug)


def _claim(slug: str, order: int) -> ClaimData:
    return _article(slug).claims[order - 1]


def _sign(key: str) -> SafetySignData:
    return next(s for s in SAFETY_SIGNS if s.key == key)


def _level(slug: str) -> TriageLevelData:
    return next(t for t in TRIAGE_LEVELS if t.slug == slug)


def _disclaimer(key: str) -> DisclaimerData:
    return next(d for d in DISCLAIMERS if d.key == key)


def _last_step(slug: str) -> StepData:
    return next(r for r in ROUTINES if r.slug == slug).steps[-1]


def _question(slug: str, order: int, old_statement: str, **more: tuple[Any, Any]) -> Change:
    """A claim whose flat heading becomes a question with a verdict (the verdict was empty)."""
    claim = _claim(slug, order)
    return Change(
        Claim,
        {"article__slug": slug, "order": order},
        {
            "statement": (old_statement, claim.statement),
            "verdict": ("", claim.verdict),
            **more,
        },
    )


# The revisions, oldest first ------------------------------------------------------------------

#: 2026-12. A cramp over 10 minutes is a "get seen today" sign (an urgent appointment), not an
#: emergency; one wording for it everywhere. Learn headings ask what the evidence does not
#: support; alcohol's label matches its text; "Easing a cramp now" offers the relief routines.
LONG_CRAMP_AND_HONEST_HEADINGS = Revision(
    "2026-12-long-cramp-get-seen-today",
    (
        # The safety check and the help page.
        Change(
            SafetySign,
            {"key": LONG_CRAMP_KEY},
            {"level_id": (Ref(TriageLevel, "slug", "emergency"), Ref(TriageLevel, "slug", TODAY))},
        ),
        Change(SafetySign, {"key": LONG_CRAMP_KEY}, {"order": (3, _sign(LONG_CRAMP_KEY).order)}),
        Change(
            SafetySign,
            {"key": LONG_CRAMP_KEY},
            {
                "detail": (
                    "Ordinary cramps pass within minutes. One this long needs urgent help, so "
                    "stop the routine and call.",
                    _sign(LONG_CRAMP_KEY).detail,
                )
            },
        ),
        Change(
            TriageLevel,
            {"slug": TODAY},
            {
                "action": (
                    "Do not stretch, massage or put heat on the leg. Contact your GP surgery for "
                    "an appointment today, or call NHS 111 (or your local urgent care line) if it "
                    "is closed.",
                    _level(TODAY).action,
                )
            },
        ),
        Change(
            Disclaimer,
            {"key": "emergency-signs"},
            {
                "text": (
                    "If you have sudden breathlessness, chest pain, a leg that turns cold, pale or "
                    "numb, or a cramp lasting more than 10 minutes that is not easing, call the "
                    "emergency number. The full list is on the \u2018When to get help\u2019 page.",
                    _disclaimer("emergency-signs").text,
                )
            },
        ),
        # The relief routines' safety notes and last step.
        *(
            change
            for slug in ("calf-cramp-relief", "hamstring-cramp-relief", "foot-cramp-relief")
            for change in (
                LineChange(
                    Routine,
                    {"slug": slug},
                    "safety_notes",
                    "If a cramp lasts more than 10 minutes and is not easing, stop and call the "
                    "emergency number.",
                    LONG_CRAMP_ADVICE,
                ),
                Change(
                    Step,
                    {"routine__slug": slug, "kind": StepKind.CHECK},
                    {
                        "instruction": (
                            "If the cramp has gone, move your foot gently and rest. If it is "
                            "still there, you can go through the steps again. If it has lasted "
                            "more than 10 minutes and is not easing, call the emergency number.",
                            _last_step(slug).instruction,
                        )
                    },
                ),
            )
        ),
        # Learn: the warning-signs page and the long-cramp claim.
        Change(
            LearnArticle,
            {"slug": "emergencies"},
            {"title": ("When it is an emergency", _article("emergencies").title)},
        ),
        Change(
            LearnArticle,
            {"slug": "emergencies"},
            {
                "summary": (
                    "The rare signs that mean this is not an ordinary cramp, and what to do.",
                    _article("emergencies").summary,
                )
            },
        ),
        Change(
            LearnArticle,
            {"slug": "emergencies"},
            {
                "intro": (
                    "Almost all cramps are harmless, but a few signs point to something that "
                    "needs help straight away. If any of these apply, stop any routine and get "
                    "help. The safety check in the app asks about them before a relief routine "
                    "starts.",
                    _article("emergencies").intro,
                )
            },
        ),
        Change(
            Claim,
            {"article__slug": "emergencies", "order": 4},
            {
                "statement": (
                    "A cramp that lasts more than 10 minutes needs help",
                    _claim("emergencies", 4).statement,
                ),
                "explanation": (
                    "Ordinary cramps ease within minutes. One that goes on for more than 10 "
                    "minutes and is not easing should be checked urgently.",
                    _claim("emergencies", 4).explanation,
                ),
            },
        ),
        # Learn: "Easing a cramp now" offers the relief routines.
        Change(
            LearnArticle,
            {"slug": "easing-a-cramp"},
            {"situation_id": (None, Ref(Situation, "slug", _article("easing-a-cramp").situation))},
        ),
        Change(
            LearnArticle,
            {"slug": "easing-a-cramp"},
            {
                "intro": (
                    "Most cramps pass within a few minutes. Stretching the muscle that has "
                    "tightened is the quickest thing you can do, and rubbing it helps too. The "
                    "relief routines in the app take you through both, step by step.",
                    _article("easing-a-cramp").intro,
                )
            },
        ),
        # Learn: headings the evidence does not support become questions with a verdict.
        _question(
            "kinds-of-cramp", 2, "\u2018Chronic spasms\u2019 are a kind of cramp of their own"
        ),
        _question("kinds-of-cramp", 3, "A torn calf muscle causes cramps"),
        _question("causes-and-risk-factors", 3, "Dehydration and low minerals cause cramps"),
        _question("causes-and-risk-factors", 4, "Poor circulation causes cramps"),
        _question("causes-and-risk-factors", 5, "Nerve conditions can cause cramps"),
        _question(
            "causes-and-risk-factors",
            6,
            "Alcohol makes cramps more likely",
            evidence=("supported", _claim("causes-and-risk-factors", 6).evidence),
            explanation=(
                "Drinking alcohol is listed as a risk factor worth cutting back on. The data "
                "behind this are thin.",
                _claim("causes-and-risk-factors", 6).explanation,
            ),
        ),
        _question("causes-and-risk-factors", 8, "Nicotine and sarcoidosis cause cramps"),
        _question("easing-a-cramp", 4, "Heat or cold helps"),
        _question("when-to-see-a-doctor", 3, "Most people with cramps do not need tests"),
        _question("when-to-see-a-doctor", 4, "Blood tests, EMG or scans can find a cause"),
        _question("having-fewer-cramps", 1, "Stretching before bed prevents night cramps"),
        _question("having-fewer-cramps", 2, "Warming up and cooling down prevents cramps"),
        _question(
            "having-fewer-cramps",
            3,
            "Regular exercise, enough fluid and not overdoing it prevent cramps",
        ),
        _question(
            "having-fewer-cramps",
            4,
            "A balanced diet and short breaks during exercise prevent cramps",
        ),
        _question("treatment-for-frequent-cramps", 1, "Physiotherapy helps with frequent cramps"),
        _question(
            "treatment-for-frequent-cramps",
            2,
            "Muscle relaxants and nerve-pain medicines treat cramps",
        ),
        _question(
            "treatment-for-frequent-cramps",
            3,
            "Staying active, drinking enough and not overdoing it help",
        ),
        _question("medicines-that-can-cause-cramps", 2, "Statins cause cramps"),
        _question(
            "medicines-that-can-cause-cramps", 3, "Penicillamine and nicotinic acid cause cramps"
        ),
        _question("home-remedies", 1, "Foods rich in magnesium or potassium prevent cramps"),
        _question("home-remedies", 2, "Chamomile tea eases cramps"),
        _question("home-remedies", 3, "Massage with lavender oil eases cramps"),
        _question("home-remedies", 4, "Mustard-seed soaks and warm oil massage help"),
        _question("home-remedies", 5, "You should avoid vinegar and tomatoes"),
        _question("cramp-myths", 2, "Water alone is not enough: you need electrolytes"),
        _question("cramp-myths", 3, "Magnesium tablets cure night cramps"),
    ),
)

#: 2026-12. The blood-clot sign's detail no longer repeats its level's "do not stretch,
#: massage or heat the leg", which the same page already says.
CLOT_SAID_ONCE = Revision(
    "2026-12-clot-said-once",
    (
        Change(
            SafetySign,
            {"key": "blood-clot-in-leg"},
            {
                "detail": (
                    "This can be a blood clot in a deep vein (DVT), which needs checking the "
                    "same day. Do not stretch, massage or heat the leg in the meantime.",
                    _sign("blood-clot-in-leg").detail,
                )
            },
        ),
    ),
)

#: 2026-12. The long-cramp sign's detail, which the safety check's outcome shows in place of
#: its level's action, now keeps that action's "do not stretch, massage or heat" too.
LONG_CRAMP_UNTIL_SEEN = Revision(
    "2026-12-long-cramp-until-seen",
    (
        Change(
            SafetySign,
            {"key": LONG_CRAMP_KEY},
            {
                "detail": (
                    f"Ordinary cramps pass within a few minutes. {LONG_CRAMP_ADVICE} "
                    f"{NOT_AN_EMERGENCY}",
                    _sign(LONG_CRAMP_KEY).detail,
                )
            },
        ),
    ),
)

REVISIONS: tuple[Revision, ...] = (
    LONG_CRAMP_AND_HONEST_HEADINGS,
    CLOT_SAID_ONCE,
    LONG_CRAMP_UNTIL_SEEN,
)
