from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from ..models import Claim, LearnArticle


def learn_list(request: HttpRequest) -> HttpResponse:
    articles = LearnArticle.objects.filter(published=True)
    return render(request, "learn/learn_list.html", {"articles": articles})


def learn_detail(request: HttpRequest, slug: str) -> HttpResponse:
    # Staff may preview drafts ("View on site" in the admin); everyone else sees published only.
    articles = LearnArticle.objects.all()
    if not request.user.is_staff:
        articles = articles.filter(published=True)
    article = get_object_or_404(
        articles.prefetch_related(
            Prefetch("claims", queryset=Claim.objects.prefetch_related("sources"))
        ),
        slug=slug,
    )
    return render(request, "learn/learn_detail.html", {"article": article})
