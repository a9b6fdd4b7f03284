from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ..models import Claim, LearnArticle


def learn_list(request: HttpRequest) -> HttpResponse:
    articles = LearnArticle.objects.filter(published=True)
    return render(request, "learn/learn_list.html", {"articles": articles})


def learn_detail(request: HttpRequest, slug: str) -> HttpResponse:
    article = get_object_or_404(
        LearnArticle.objects.filter(published=True).prefetch_related(
            Prefetch("claims", queryset=Claim.objects.prefetch_related("sources"))
        ),
        slug=slug,
    )
    return render(request, "learn/learn_detail.html", {"article": article})
