from django.db import models
from django.urls import reverse

from routines.content.models.evidence import Evidence, Source
from routines.content.models.publishing import PublishableQuerySet


class LearnArticle(models.Model):
    """A Learn page: one topic (causes, kinds of cramp, relief, prevention, myths, ...)."""

    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    summary = models.CharField(max_length=300)
    intro = models.TextField(blank=True)
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


class Claim(models.Model):
    """One health claim on a Learn page, with how well the sources back it."""

    article = models.ForeignKey(LearnArticle, on_delete=models.CASCADE, related_name="claims")
    order = models.PositiveIntegerField(default=0, db_index=True)
    statement = models.CharField(max_length=200, help_text="The claim, as a short heading.")
    explanation = models.TextField(help_text="What the evidence says, in plain words.")
    evidence = models.CharField(
        "evidence level", max_length=10, choices=Evidence.choices, default=Evidence.WEAK
    )
    sources = models.ManyToManyField(Source, related_name="claims")

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.statement
