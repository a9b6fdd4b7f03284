"""Accounts: sign-up is ours; logging in and out and the password views are Django's own,
set up here with our forms (forms.py) and templates (templates/registration/).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from routines.accounts.backends import BACKEND
from routines.accounts.forms import (
    ChangePasswordForm,
    LoginForm,
    ResetRequestForm,
    ResetSetPasswordForm,
    SignupForm,
)
from routines.accounts.http import safe_next_url
from routines.accounts.throttle import Limit, posted_email, throttle

SIGNUPS_FROM_ADDRESS = Limit(
    "signup",
    "SIGNUP_RATE",
    "ip",
    "Too many accounts were made from this network recently. Try again in {wait}.",
)
RESETS_FROM_ADDRESS = Limit(
    "password_reset",
    "PASSWORD_RESET_RATE",
    "ip",
    "Too many password resets were asked for from this network recently. Try again in {wait}.",
)
RESETS_TO_EMAIL = Limit(
    "password_reset_email",
    "PASSWORD_RESET_EMAIL_RATE",
    posted_email,
    "Several reset links were sent to this address recently: please look for them in your "
    "inbox (and spam folder). You can ask again in {wait}.",
)


@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("password1", "password2")
@never_cache
@throttle(SIGNUPS_FROM_ADDRESS)
def signup(request: HttpRequest) -> HttpResponse:
    """Create an account, sign the new user in and send them on (to `next` or home).

    A plain page for htmx and non-htmx requests alike: the form posts normally and the
    success response is a redirect.
    """
    if request.user.is_authenticated:
        return redirect("home")
    next_url = safe_next_url(request)
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            user = form.save()
            login(request, user, backend=BACKEND)
            messages.success(request, f"Welcome to Unknot, {user.get_username()}.")
            return HttpResponseRedirect(next_url or reverse("home"))
        status = 400
    else:
        form = SignupForm()
        status = 200
    return render(
        request,
        "registration/signup.html",
        {"form": form, "next": next_url},
        status=status,
    )


login_view = auth_views.LoginView.as_view(
    authentication_form=LoginForm, redirect_authenticated_user=True
)
logout_view = auth_views.LogoutView.as_view()  # POST only (Django 5)
password_change = auth_views.PasswordChangeView.as_view(form_class=ChangePasswordForm)
password_change_done = auth_views.PasswordChangeDoneView.as_view()
password_reset = throttle(RESETS_FROM_ADDRESS, RESETS_TO_EMAIL)(
    auth_views.PasswordResetView.as_view(form_class=ResetRequestForm)
)
password_reset_done = auth_views.PasswordResetDoneView.as_view()
password_reset_confirm = auth_views.PasswordResetConfirmView.as_view(
    form_class=ResetSetPasswordForm
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view()
