from django.db import models

from routines.content.models.evidence import Source


class TriageLevel(models.Model):
    """One outcome of the safety check: emergency, get seen today, or see a doctor soon."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=120)
    action = models.TextField(help_text="What to do when a sign of this level applies.")
    stops_routine = models.BooleanField(
        default=False, help_text="A sign of this level stops a relief routine from starting."
    )
    call_numbers = models.CharField(
        max_length=100,
        blank=True,
        help_text="Phone numbers to offer as call buttons, separated by commas (e.g. 999, 112).",
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        verbose_name = "triage level"

    def __str__(self) -> str:
        return self.title

    def call_number_list(self) -> list[str]:
        return [n.strip() for n in self.call_numbers.split(",") if n.strip()]


class SafetySign(models.Model):
    """A red flag or warning sign, listed under its triage level."""

    key = models.SlugField(
        max_length=60,
        unique=True,
        help_text="A stable name for this sign (letters, digits, dashes).",
    )
    level = models.ForeignKey(TriageLevel, on_delete=models.PROTECT, related_name="signs")
    text = models.CharField(max_length=300)
    detail = models.TextField(blank=True, help_text="Optional: what it may mean, what not to do.")
    order = models.PositiveIntegerField(default=0)
    sources = models.ManyToManyField(Source, related_name="safety_signs", blank=True)

    class Meta:
        ordering = ["level__order", "order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def gives_its_own_advice(self) -> bool:
        """Whether the detail already says what to do and where to go: the long-cramp sign's
        holds the one wording of the 10-minute rule (`LONG_CRAMP_ADVICE`), which says how to
        get seen today. The safety check's outcome then leads with the detail instead of the
        level's action, so the page gives that advice once."""
        # Here, not at the top: the library's package imports the models.
        from routines.content.library.safety import LONG_CRAMP_ADVICE

        return LONG_CRAMP_ADVICE in self.detail

    def detail_under(self, level_action: str) -> str:
        """The detail as the warning-signs page lists it, under its level's action: where that
        action already says how to get seen today (an urgent appointment, NHS 111), the
        long-cramp sign keeps its rule and leaves out its own copy of how, and of what not to
        do until then if the action says that too, so the page says each once. Any other
        detail, or a level reworded not to say how, is listed as it is."""
        from routines.content.library.safety import LONG_CRAMP_ADVICE, LONG_CRAMP_RULE, UNTIL_SEEN

        says_how = all(words in level_action for words in ("urgent appointment", "NHS 111"))
        if not (says_how and self.gives_its_own_advice):
            return self.detail
        detail = self.detail.replace(LONG_CRAMP_ADVICE, f"{LONG_CRAMP_RULE}.")
        if UNTIL_SEEN in level_action:
            detail = detail.replace(f" {UNTIL_SEEN}", "")
        return detail


class Disclaimer(models.Model):
    """A statement the About page (and relevant pages) must show."""

    key = models.SlugField(
        max_length=60,
        unique=True,
        help_text="A stable name for this statement (letters, digits, dashes).",
    )
    title = models.CharField(max_length=120)
    text = models.TextField()
    order = models.PositiveSmallIntegerField(default=0)
    sources = models.ManyToManyField(Source, related_name="disclaimers", blank=True)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.title
