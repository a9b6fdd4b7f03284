"""Your data: a page saying what the app holds, the JSON download, and deleting the account
after the password is typed again (wrong passwords count towards the log-in lock-out)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from routines.accounts.http import signed_in
from routines.accounts.models import Profile
from routines.privacy.forms import ConfirmDeleteForm
from routines.privacy.services import delete_everything, export_for

WRONG_PASSWORD = "That is not your password, so nothing was deleted. Please try again."
#: Shown on the home page after the account is deleted: what happened, and that the person is
#: logged out (the page no longer shows their name).
ACCOUNT_DELETED = (
    "Your account and everything in it are deleted, and you are logged out. Take care."
)


@require_GET
@signed_in
@never_cache
def your_data(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/data.html")


@require_GET
@signed_in
def download_data(request: HttpRequest) -> JsonResponse:
    now = timezone.now()
    today = Profile.for_user(request.user).today(now)
    response = JsonResponse(export_for(request.user, now), json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="unknot-data-{today}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password")
@signed_in
@never_cache
def delete_account(request: HttpRequest) -> HttpResponse:
    """GET: what goes, and the password field. POST: check the password (as a log-in would,
    so django-axes counts a wrong one and locks out after too many), then delete."""
    if request.method == "GET":
        form = ConfirmDeleteForm()
        return _delete_page(request, form)
    form = ConfirmDeleteForm(request.POST)
    if not form.is_valid():
        return _delete_page(request, form, status=400)
    user = authenticate(
        request, username=request.user.get_username(), password=form.cleaned_data["password"]
    )
    if user is None or user.pk != request.user.pk:
        # Locked out: django-axes' middleware answers 429 instead of this page.
        form.add_error("password", WRONG_PASSWORD)
        return _delete_page(request, form, status=400)
    delete_everything(request.user, timezone.now())
    logout(request)
    messages.success(request, ACCOUNT_DELETED)
    if request.htmx:
        return HttpResponseClientRedirect(reverse("home"))
    return redirect("home")


def _delete_page(request: HttpRequest, form: ConfirmDeleteForm, status: int = 200) -> HttpResponse:
    template = "privacy/delete.html#form" if request.htmx else "privacy/delete.html"
    return render(request, template, {"form": form}, status=status)
