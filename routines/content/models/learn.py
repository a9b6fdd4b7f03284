from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from routines.content.models.evidence import Evidence, Source
from routines.content.models.publishing import PublishableQuerySet
from routines.content.models.routine import Routine, RoutineQuerySet, Situation

#: Words a verdict may not start with when the evidence for the idea is weak.
_YES_WORDS = ("yes", "true", "it does", "they do")


class LearnArticle(models.Model):
    """A Learn page: one topic (causes, kinds of cramp, relief, prevention, myths, ...)."""

    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    summary = models.CharField(max_length=300)
    intro = models.TextField(blank=True)
    situation = models.ForeignKey(
        Situation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Optional: offer the published routines for this situation on the page, each "
        "one tap from starting (relief routines go to the safety check first).",
    )
    order = models.PositiveSmallIntegerField(default=0)
    published = models.BooleanField(default=False)
    updated = models.DateTimeField(auto_now=True)

    objects = PublishableQuerySet["LearnArticle"].as_manager()

    class Meta:
        ordering = ["order", "title"]
        verbose_name = "Learn page"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("learn_detail", kwargs={"slug": self.slug})

    def offered_routines(self) -> RoutineQuerySet:
        """The published routines this page offers to start (none without a situation)."""
        if self.situation_id is None:
            return Routine.objects.none()
        return Routine.objects.for_list().filter(situations=self.situation_id)


class Claim(models.Model):
    """One health claim on a Learn page, with how well the sources back it.

    The evidence level says how well the sources back the idea in the heading. So a heading
    may state its idea flat only when that idea is supported; any other idea is asked as a
    question and answered by a short verdict ("Do magnesium tablets help?" "Usually not"), so
    that someone who reads only the headings never takes a myth away as a fact.
    """

    article = models.ForeignKey(LearnArticle, on_delete=models.CASCADE, related_name="claims")
    order = models.PositiveIntegerField(default=0, db_index=True)
    statement = models.CharField(
        "heading",
        max_length=200,
        help_text="A question (“Do magnesium tablets help?”), or a plain statement "
        "only if the evidence for it is Supported.",
    )
    verdict = models.CharField(
        max_length=80,
        blank=True,
        help_text="The short answer shown with a question heading, e.g. “Usually not”. "
        "Leave empty for a statement.",
    )
    explanation = models.TextField(help_text="What the evidence says, in plain words.")
    evidence = models.CharField(
        "evidence level", max_length=10, choices=Evidence.choices, default=Evidence.WEAK
    )
    sources = models.ManyToManyField(Source, related_name="claims")

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.statement} {self.verdict}".strip()

    @property
    def is_question(self) -> bool:
        return self.statement.rstrip().endswith("?")

    def heading_problem(self) -> str | None:
        """Why the heading misleads, given its evidence level; None when it reads true."""
        verdict = self.verdict.strip()
        if self.is_question:
            if not verdict:
                return "A question heading needs a verdict: the short answer, e.g. “Usually not”."
            if self.evidence == Evidence.WEAK and verdict.lower().startswith(_YES_WORDS):
                return "The evidence is weak, so the verdict cannot be a plain yes."
            return None
        if self.evidence != Evidence.SUPPORTED:
            return (
                f"With {self.get_evidence_display().lower()} evidence, ask the heading as a "
                "question (ending in ?) and give the verdict, so it does not read as a fact."
            )
        if verdict:
            return "A verdict answers a question: end the heading with ?, or clear the verdict."
        return None

    def clean(self) -> None:
        super().clean()
        if problem := self.heading_problem():
            raise ValidationError({"statement": problem})
