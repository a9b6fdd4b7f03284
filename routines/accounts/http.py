"""Request helpers every app's views share: the htmx-aware sign-in check and safe `next` URLs."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

View = Callable[..., HttpResponse]


def signed_in(view: View) -> View:
    """`login_required` that also serves htmx: an htmx request from a signed-out page is sent
    to the login page as a whole page (HX-Redirect), never swapped into a part of one."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        if getattr(request, "htmx", False):
            query = QueryDict(mutable=True)
            query[REDIRECT_FIELD_NAME] = request.htmx.current_url_abs_path or reverse("home")
            return HttpResponseClientRedirect(f"{reverse('login')}?{query.urlencode(safe='/')}")
        return redirect_to_login(request.get_full_path())

    return wrapper


def safe_next_url(request: HttpRequest) -> str:
    """The `next` URL from the form or the query string if it is a path on this site, else "".

    A path only (leading "/"): `redirect()` would take a bare word for a URL name to reverse.
    """
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if (
        url.startswith("/")
        and "\x00" not in url
        and url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return url
    return ""
