"""Account URLs under /accounts/. The paths and names are those of django.contrib.auth.urls,
listed here so that each view gets our form."""

from django.urls import path

from routines.accounts import views as accounts

urlpatterns = [
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.login_view, name="login"),
    path("logout/", accounts.logout_view, name="logout"),
    path("password_change/", accounts.password_change, name="password_change"),
    path("password_change/done/", accounts.password_change_done, name="password_change_done"),
    path("password_reset/", accounts.password_reset, name="password_reset"),
    path("password_reset/done/", accounts.password_reset_done, name="password_reset_done"),
    path(
        "reset/<uidb64>/<token>/",
        accounts.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("reset/done/", accounts.password_reset_complete, name="password_reset_complete"),
]
