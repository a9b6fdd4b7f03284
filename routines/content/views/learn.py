from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from routines.content.caching import render_cached
from routines.content.models import Claim, LearnArticle


def learn_list(request: HttpRequest) -> HttpResponse:
    return render_cached(
        request,
        "learn/learn_list.html",
        lambda: {"articles": LearnArticle.objects.published()},
    )


def learn_detail(request: HttpRequest, slug: str) -> HttpResponse:
    def build() -> dict[str, Any]:
        article = get_object_or_404(
            LearnArticle.objects.visible_to(request.user).prefetch_related(
                Prefetch("claims", queryset=Claim.objects.prefetch_related("sources"))
            ),
            slug=slug,
        )
        return {
            "article": article,
            "routines": article.offered_routines(),
            "title": article.title,
            "description": article.summary,
        }

    return render_cached(request, "learn/learn_detail.html", build, key=(slug,))
