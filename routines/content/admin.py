"""The staff admin: routines with their steps, Learn pages, safety content and pictures."""

from __future__ import annotations

from typing import Any

from adminsortable2.admin import SortableAdminBase, SortableStackedInline
from django import forms
from django.contrib import admin, messages
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html

from routines.content.caching import bump_content_version
from routines.content.images import ProcessedImage, process_image
from routines.content.models import (
    BodyArea,
    Claim,
    Disclaimer,
    Image,
    LearnArticle,
    Routine,
    SafetySign,
    Situation,
    Source,
    Step,
    TriageLevel,
)

#: The largest side of an image preview in the image list, in CSS pixels.
PREVIEW_MAX_SIDE = 80


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def format_total_time(seconds: int) -> str:
    """A routine's total time as minutes and seconds, "m:ss" (125 -> "2:05")."""
    minutes, rest = divmod(max(seconds, 0), 60)
    return f"{minutes}:{rest:02d}"


def copy_slug(slug: str) -> str:
    """A free slug for a copy of a routine: "calf-stretch-copy", then "...-copy-2", ..."""
    max_length = Routine._meta.get_field("slug").max_length or 140
    stem = f"{slug[: max_length - len('-copy-999')]}-copy"
    taken = set(Routine.objects.filter(slug__startswith=stem).values_list("slug", flat=True))
    if stem not in taken:
        return stem
    number = 2
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


def copy_title(title: str) -> str:
    max_length = Routine._meta.get_field("title").max_length or 120
    suffix = " (copy)"
    return f"{title[: max_length - len(suffix)]}{suffix}"


def duplicate_routine(original: Routine) -> Routine:
    """An unpublished copy of a routine, with copies of its steps and the same tags."""
    situations = list(original.situations.all())
    body_areas = list(original.body_areas.all())
    sources = list(original.sources.all())
    steps = list(original.steps.all())

    copy = Routine.objects.get(pk=original.pk)
    copy.pk = None
    copy._state.adding = True
    copy.title = copy_title(original.title)
    copy.slug = copy_slug(original.slug)
    copy.published = False
    copy.save()
    copy.situations.set(situations)
    copy.body_areas.set(body_areas)
    copy.sources.set(sources)
    for step in steps:
        step.pk = None
        step._state.adding = True
        step.routine = copy
    Step.objects.bulk_create(steps)
    return copy


# Pictures ----------------------------------------------------------------------------------


class ImageForm(forms.ModelForm):
    """Checks an upload with the image pipeline and keeps only the cleaned WebP files."""

    # A plain file field: the pipeline, not Django's ImageField, decides what is an image, so
    # every refusal gets the pipeline's own message (and nothing is decoded before it checks).
    file = forms.FileField(
        label="Picture",
        help_text=(
            "A JPEG, PNG or WebP photo, at most 10 MB. It is resized, and its hidden details "
            "(camera, place, date) are removed."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    class Meta:
        model = Image
        fields = ["file", "alt"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.processed: ProcessedImage | None = None

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not isinstance(upload, UploadedFile):
            return upload  # Editing the description only: keep the stored picture.
        self.processed = process_image(upload)
        return self.processed.main

    def save(self, commit: bool = True) -> Image:
        image: Image = self.instance
        if self.processed is not None:
            image.thumbnail = self.processed.thumbnail
            image.width, image.height = self.processed.width, self.processed.height
            image.thumbnail_width = self.processed.thumbnail_width
            image.thumbnail_height = self.processed.thumbnail_height
        return super().save(commit)


def _delete_files_on_commit(names: list[str]) -> None:
    storage = Image._meta.get_field("file").storage

    def delete() -> None:
        for name in names:
            if name:
                storage.delete(name)

    transaction.on_commit(delete)


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    form = ImageForm
    list_display = ["preview", "alt", "size", "created"]
    list_display_links = ["preview", "alt"]
    search_fields = ["alt"]
    ordering = ["-created"]
    date_hierarchy = "created"
    readonly_fields = ["large_preview", "size"]
    fields = ["file", "alt", "large_preview", "size"]

    @admin.display(description="Preview")
    def preview(self, obj: Image) -> str:
        if not obj.thumbnail:
            return "—"
        scale = min(1.0, PREVIEW_MAX_SIDE / max(obj.thumbnail_width, obj.thumbnail_height, 1))
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="">',
            obj.thumbnail.url,
            round(obj.thumbnail_width * scale),
            round(obj.thumbnail_height * scale),
        )

    @admin.display(description="Thumbnail")
    def large_preview(self, obj: Image) -> str:
        if not obj.pk or not obj.thumbnail:
            return "Shown here once saved."
        return format_html(
            '<img src="{}" width="{}" height="{}" alt="">',
            obj.thumbnail.url,
            obj.thumbnail_width,
            obj.thumbnail_height,
        )

    @admin.display(description="Size in pixels")
    def size(self, obj: Image) -> str:
        if not obj.pk:
            return "—"
        return f"{obj.width} by {obj.height}"

    def save_model(self, request: HttpRequest, obj: Image, form: ImageForm, change: bool) -> None:
        replaced: list[str] = []
        if change and form.processed is not None:
            replaced = list(
                Image.objects.filter(pk=obj.pk).values_list("file", "thumbnail").first() or []
            )
        super().save_model(request, obj, form, change)
        _delete_files_on_commit(replaced)

    def delete_model(self, request: HttpRequest, obj: Image) -> None:
        names = [obj.file.name, obj.thumbnail.name]
        super().delete_model(request, obj)
        _delete_files_on_commit(names)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Image]) -> None:
        names = [name for pair in queryset.values_list("file", "thumbnail") for name in pair]
        super().delete_queryset(request, queryset)
        _delete_files_on_commit(names)


# Routines ----------------------------------------------------------------------------------


class StepForm(forms.ModelForm):
    class Meta:
        model = Step
        fields = [
            "title",
            "kind",
            "instruction",
            "duration_seconds",
            "reps",
            "side",
            "rest_after_seconds",
            "image",
        ]
        widgets = {"instruction": forms.Textarea(attrs={"rows": 3})}


class StepInline(SortableStackedInline):
    """Steps in order; drag to reorder. The database checks (duration or reps, ranges) run
    as model validation, so a bad step shows its message here and nothing is saved."""

    model = Step
    form = StepForm
    extra = 1
    autocomplete_fields = ["image"]
    fields = [
        "title",
        "kind",
        "instruction",
        ("duration_seconds", "reps"),
        ("side", "rest_after_seconds"),
        "image",
    ]


@admin.register(Routine)
class RoutineAdmin(SortableAdminBase, admin.ModelAdmin):
    inlines = [StepInline]
    list_display = ["title", "purpose", "published", "total_time", "areas"]
    list_filter = ["purpose", "situations", "body_areas", "published"]
    search_fields = ["title", "summary", "steps__title"]
    ordering = ["order", "title"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["cover", "sources"]
    readonly_fields = ["total_time"]
    view_on_site = True
    save_on_top = True
    actions = ["publish", "unpublish", "duplicate"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "purpose", "published", "order"]}),
        ("When and where it helps", {"fields": ["situations", "body_areas"]}),
        ("Picture", {"fields": ["cover"]}),
        (
            "Safety and evidence",
            {"fields": ["safety_notes", "evidence", "evidence_note", "sources"]},
        ),
        ("Time", {"fields": ["total_time"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Routine]:
        # One subquery for every routine's total time, one query for all body areas: the
        # changelist costs the same number of queries for 5 routines as for 500.
        return super().get_queryset(request).with_total_seconds().prefetch_related("body_areas")

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if db_field.name in {"situations", "body_areas"}:
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @admin.display(description="Total time", ordering="total_seconds_db")
    def total_time(self, obj: Routine) -> str:
        if obj.pk is None:
            return "Worked out from the steps once saved."
        return format_total_time(obj.total_seconds)

    @admin.display(description="Body areas")
    def areas(self, obj: Routine) -> str:
        return ", ".join(area.name for area in obj.body_areas.all()) or "—"

    def _set_published(
        self, request: HttpRequest, queryset: QuerySet[Routine], value: bool
    ) -> None:
        changed = queryset.exclude(published=value).update(published=value, updated=timezone.now())
        bump_content_version()  # a bulk update sends no save signals
        verb = "Published" if value else "Unpublished"
        if changed:
            self.message_user(request, f"{verb} {_count(changed, 'routine')}.", messages.SUCCESS)
        else:
            state = "published" if value else "unpublished"
            self.message_user(
                request, f"Nothing changed: the selected routines were already {state}."
            )

    @admin.action(description="Publish selected routines", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Routine]) -> None:
        self._set_published(request, queryset, True)

    @admin.action(description="Unpublish selected routines", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Routine]) -> None:
        self._set_published(request, queryset, False)

    @admin.action(description="Duplicate selected routines", permissions=["add"])
    def duplicate(self, request: HttpRequest, queryset: QuerySet[Routine]) -> None:
        with transaction.atomic():
            copies = [duplicate_routine(routine) for routine in queryset.order_by("pk")]
        self.message_user(
            request,
            f"Made {_count(len(copies), 'copy', 'copies')}, unpublished: "
            + ", ".join(copy.title for copy in copies)
            + ".",
            messages.SUCCESS,
        )


# Learn pages and evidence ------------------------------------------------------------------


class ClaimInline(SortableStackedInline):
    model = Claim
    extra = 0
    autocomplete_fields = ["sources"]
    fields = ["statement", "verdict", "explanation", "evidence", "sources"]


@admin.register(LearnArticle)
class LearnArticleAdmin(SortableAdminBase, admin.ModelAdmin):
    inlines = [ClaimInline]
    list_display = ["title", "published", "order", "updated"]
    list_editable = ["order"]
    list_filter = ["published"]
    search_fields = ["title", "summary", "intro", "claims__statement"]
    ordering = ["order", "title"]
    prepopulated_fields = {"slug": ["title"]}
    view_on_site = True
    fields = ["title", "slug", "summary", "intro", "situation", "order", "published"]


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "url"]
    list_display_links = ["code", "title"]
    search_fields = ["code", "title"]
    ordering = ["pk"]


@admin.register(Situation)
class SituationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]
    ordering = ["order", "name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(BodyArea)
class BodyAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order"]
    list_editable = ["order"]
    search_fields = ["name", "slug"]
    ordering = ["order", "name"]
    prepopulated_fields = {"slug": ["name"]}


# Safety content ----------------------------------------------------------------------------


class SafetySignInline(SortableStackedInline):
    model = SafetySign
    # The model orders by level first; within one level the order field is what counts.
    ordering = ["order", "pk"]
    extra = 0
    autocomplete_fields = ["sources"]
    fields = ["key", "text", "detail", "sources"]


@admin.register(TriageLevel)
class TriageLevelAdmin(SortableAdminBase, admin.ModelAdmin):
    inlines = [SafetySignInline]
    list_display = ["title", "slug", "stops_routine", "order", "sign_count"]
    list_editable = ["order"]
    search_fields = ["title", "action"]
    ordering = ["order"]
    prepopulated_fields = {"slug": ["title"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[TriageLevel]:
        return super().get_queryset(request).annotate(sign_total=Count("signs"))

    @admin.display(description="Signs", ordering="sign_total")
    def sign_count(self, obj: TriageLevel) -> int:
        return getattr(obj, "sign_total", 0)


@admin.register(SafetySign)
class SafetySignAdmin(admin.ModelAdmin):
    list_display = ["text", "level", "key", "order"]
    list_filter = ["level"]
    list_select_related = ["level"]
    search_fields = ["text", "detail", "key"]
    ordering = ["level__order", "order", "pk"]
    autocomplete_fields = ["sources"]
    fields = ["level", "key", "text", "detail", "order", "sources"]


@admin.register(Disclaimer)
class DisclaimerAdmin(admin.ModelAdmin):
    list_display = ["title", "key", "order"]
    list_editable = ["order"]
    search_fields = ["title", "text", "key"]
    ordering = ["order", "pk"]
    autocomplete_fields = ["sources"]
    fields = ["key", "title", "text", "order", "sources"]
