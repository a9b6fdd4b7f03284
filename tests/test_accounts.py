"""Accounts: sign-up, log in and out, password change and password reset by email."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse

from .helpers.html import messages_of
from .helpers.people import PASSWORD, make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "quiet-Lantern-83"


def signup_data(**overrides: str) -> dict[str, str]:
    return {
        "username": "maria",
        "email": "maria@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def logged_in_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def assert_field(html: str, name: str, label: str, autocomplete: str) -> None:
    """The field has a visible label tied to it and the given autocomplete token."""
    assert f'<label for="id_{name}">{label}' in html
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    assert f'autocomplete="{autocomplete}"' in match.group(0)
    assert 'id="id_' + name + '"' in match.group(0)


def input_tag(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', html)
    assert match, f"no input named {name}"
    return match.group(0)


# Sign up


def test_signup_page_has_labelled_fields_with_autocomplete(client: Client) -> None:
    html = client.get(reverse("signup")).content.decode()

    assert_field(html, "username", "Username", "username")
    assert 'autocapitalize="none"' in input_tag(html, "username")
    assert_field(html, "email", "Email address", "email")
    assert_field(html, "password1", "Password", "new-password")
    assert_field(html, "password2", "Password again", "new-password")
    assert 'class="stack-form" method="post"' in html
    assert "(optional)" in html.split('for="id_email"')[1].split("</label>")[0]
    # Help text is linked to its input.
    assert 'aria-describedby="id_password1_helptext"' in input_tag(html, "password1")
    assert 'id="id_password1_helptext"' in html


def test_signup_creates_user_logs_in_and_welcomes_them_home(client: Client) -> None:
    response = client.post(reverse("signup"), signup_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    user = User.objects.get(username="maria")
    assert user.email == "maria@example.com"
    assert user.check_password(PASSWORD)
    assert logged_in_user_id(client) == str(user.pk)
    assert messages_of(response) == ["Welcome to Unknot, maria."]


def test_signed_up_user_is_logged_in_on_the_next_request(client: Client) -> None:
    client.post(reverse("signup"), signup_data())

    response = client.get(reverse("password_change"))

    assert response.status_code == 200
    assert response.wsgi_request.user.get_username() == "maria"


def test_signup_without_email_works(client: Client) -> None:
    response = client.post(reverse("signup"), signup_data(email=""))

    assert response.status_code == 302
    assert User.objects.get(username="maria").email == ""


def test_two_signups_without_email_are_both_allowed(client: Client) -> None:
    make_user("sam", email="")

    response = client.post(reverse("signup"), signup_data(email=""))

    assert response.status_code == 302
    assert User.objects.filter(email="").count() == 2


def test_signup_follows_a_safe_next_url(client: Client) -> None:
    response = client.post(
        reverse("signup") + "?next=/routines/bedtime/", signup_data(), follow=False
    )

    assert response["Location"] == "/routines/bedtime/"


def test_signup_next_from_the_form_is_kept_on_the_page_and_followed(client: Client) -> None:
    page = client.get(reverse("signup"), {"next": "/learn/"}).content.decode()
    assert '<input type="hidden" name="next" value="/learn/">' in page

    response = client.post(reverse("signup"), {**signup_data(), "next": "/learn/"})

    assert response["Location"] == "/learn/"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_signup_ignores_an_external_next_url(client: Client, next_url: str) -> None:
    response = client.post(reverse("signup"), {**signup_data(), "next": next_url})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password2": "something-Else-12"}, "password2", "not the same"),
        ({"password1": "k3x!", "password2": "k3x!"}, "password2", "too short"),
        ({"password1": "password", "password2": "password"}, "password2", "too common"),
        ({"password1": "48120937", "password2": "48120937"}, "password2", "entirely numeric"),
        ({"email": "maria@"}, "email", "valid email"),
        ({"username": "maria smith"}, "username", "valid username"),
        ({"username": ""}, "username", "required"),
    ],
)
def test_signup_with_bad_input_shows_errors_and_creates_nothing(
    client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    response = client.post(reverse("signup"), signup_data(**overrides))

    assert response.status_code == 400
    assert not User.objects.exists()
    assert logged_in_user_id(client) is None
    html = response.content.decode()
    error = re.search(rf'<p class="error" id="id_{field}_error">(.*?)</p>', html, re.S)
    assert error, f"no error shown for {field}"
    assert message in error.group(1)
    tag = input_tag(html, field)
    assert 'aria-invalid="true"' in tag
    assert f"id_{field}_error" in tag
    assert 'class="field field-error"' in html
    assert '<div class="form-errors" role="alert">' in html


def test_signup_rejects_a_username_taken_in_another_case(client: Client) -> None:
    make_user("Maria", email="other@example.com")

    response = client.post(reverse("signup"), signup_data(username="maria"))

    assert response.status_code == 400
    assert "That username is taken" in response.content.decode()
    assert User.objects.count() == 1


def test_signup_with_errors_keeps_what_was_typed_but_not_the_passwords(client: Client) -> None:
    response = client.post(reverse("signup"), signup_data(password2="something-Else-12"))

    html = response.content.decode()
    assert 'value="maria"' in input_tag(html, "username")
    assert "value=" not in input_tag(html, "password1")


def test_signed_in_user_visiting_signup_goes_home(client: Client) -> None:
    client.force_login(make_user())

    assert client.get(reverse("signup"))["Location"] == reverse("home")
    response = client.post(reverse("signup"), signup_data())
    assert response["Location"] == reverse("home")
    assert not User.objects.filter(username="maria").exists()


def test_signup_refuses_other_methods(client: Client) -> None:
    response = client.put(reverse("signup"))
    assert response.status_code == 405
    assert response["Allow"] == "GET, POST"
    assert not User.objects.exists()
    assert logged_in_user_id(client) is None


def test_signup_with_htmx_header_renders_the_full_page(client: Client) -> None:
    response = client.get(reverse("signup"), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert html.lstrip().startswith("<!doctype html>")
    assert "<h1>Sign up</h1>" in html

    response = client.post(
        reverse("signup"), signup_data(password2="x"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 400
    assert "<!doctype html>" in response.content.decode()


# Log in and out


def test_login_page_has_labelled_fields_with_autocomplete(client: Client) -> None:
    html = client.get(reverse("login")).content.decode()

    assert_field(html, "username", "Username", "username")
    assert 'autocapitalize="none"' in input_tag(html, "username")
    assert_field(html, "password", "Password", "current-password")
    assert reverse("password_reset") in html
    assert reverse("signup") in html


def test_login_with_the_right_password_logs_in(client: Client) -> None:
    user = make_user()

    response = client.post(reverse("login"), {"username": "sam", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(client) == str(user.pk)


def test_login_follows_a_safe_next_and_ignores_an_external_one(client: Client) -> None:
    make_user()
    data = {"username": "sam", "password": PASSWORD}

    response = client.post(reverse("login"), {**data, "next": "/learn/"})
    assert response["Location"] == "/learn/"

    client.logout()
    response = client.post(reverse("login"), {**data, "next": "https://evil.example/"})
    assert response["Location"] == reverse("home")


def test_login_with_a_wrong_password_shows_an_error(client: Client) -> None:
    make_user()

    response = client.post(reverse("login"), {"username": "sam", "password": "wrong-Pass-99"})

    assert response.status_code == 200  # Django's LoginView behaviour
    assert logged_in_user_id(client) is None
    html = response.content.decode()
    assert '<div class="form-errors" role="alert">' in html
    assert "do not match an account" in html


def test_login_page_passes_next_on_to_the_signup_link(client: Client) -> None:
    html = client.get(reverse("login"), {"next": "/learn/"}).content.decode()

    assert '<input type="hidden" name="next" value="/learn/">' in html
    assert f"{reverse('signup')}?next=/learn/" in html


def test_logout_by_post_logs_out(client: Client) -> None:
    client.force_login(make_user())

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert logged_in_user_id(client) is None


def test_logout_by_get_is_refused_and_keeps_the_user_logged_in(client: Client) -> None:
    user = make_user()
    client.force_login(user)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert logged_in_user_id(client) == str(user.pk)


# Password change


def test_password_change_needs_login(client: Client) -> None:
    response = client.get(reverse("password_change"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={reverse('password_change')}"


def test_password_change_page_has_labelled_fields_with_autocomplete(client: Client) -> None:
    client.force_login(make_user())

    html = client.get(reverse("password_change")).content.decode()

    assert_field(html, "old_password", "Current password", "current-password")
    assert_field(html, "new_password1", "New password", "new-password")
    assert_field(html, "new_password2", "New password again", "new-password")
    assert 'autocomplete="username" value="sam"' in html


def test_password_change_sets_the_new_password_and_keeps_the_user_logged_in(
    client: Client,
) -> None:
    user = make_user()
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        follow=True,
    )

    assert response.redirect_chain == [(reverse("password_change_done"), 302)]
    assert "<h1>Password changed</h1>" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert logged_in_user_id(client) == str(user.pk)


def test_password_change_with_a_wrong_current_password_changes_nothing(client: Client) -> None:
    user = make_user()
    client.force_login(user)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": "not-My-Password-1",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )

    assert "That is not your current password." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# Password reset


def request_reset(client: Client, email: str) -> Any:
    return client.post(reverse("password_reset"), {"email": email}, follow=True)


def test_password_reset_page_has_a_labelled_email_field(client: Client) -> None:
    html = client.get(reverse("password_reset")).content.decode()

    assert_field(html, "email", "Email address", "email")


def test_password_reset_by_email_lets_the_user_choose_a_new_password(client: Client) -> None:
    user = make_user(email="sam@example.com")

    response = request_reset(client, "SAM@example.com")

    assert response.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert "<h1>Check your email</h1>" in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.com"]
    assert message.subject == "Reset your Unknot password"
    assert "sam" in message.body
    links = re.findall(r"http://testserver(/accounts/reset/\S+/)", message.body)
    assert len(links) == 1

    # The link swaps the token for a session and shows the form.
    page = client.get(links[0], follow=True)
    html = page.content.decode()
    assert "<h1>Choose a new password</h1>" in html
    assert_field(html, "new_password1", "New password", "new-password")
    assert_field(html, "new_password2", "New password again", "new-password")
    set_password_url = page.redirect_chain[-1][0]

    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain == [(reverse("password_reset_complete"), 302)]
    assert "<h1>Password saved</h1>" in done.content.decode()

    login = client.post(reverse("login"), {"username": "sam", "password": NEW_PASSWORD})
    assert login.status_code == 302
    assert logged_in_user_id(client) == str(user.pk)

    # The link works only once.
    client.logout()
    again = client.get(links[0], follow=True)
    assert "This link no longer works" in again.content.decode()


def test_password_reset_link_with_a_bad_token_does_not_work(client: Client) -> None:
    make_user()

    response = client.get(
        reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "bad-token"})
    )

    html = response.content.decode()
    assert "This link no longer works" in html
    assert "new_password1" not in html


def test_password_reset_for_an_unknown_email_sends_nothing_but_looks_the_same(
    client: Client,
) -> None:
    make_user(email="sam@example.com")

    known = request_reset(client, "sam@example.com")
    mail.outbox.clear()
    unknown = request_reset(client, "nobody@example.com")

    assert mail.outbox == []
    assert unknown.redirect_chain == known.redirect_chain == [(reverse("password_reset_done"), 302)]
    assert "<h1>Check your email</h1>" in unknown.content.decode()


def test_password_reset_with_a_malformed_email_shows_an_error(client: Client) -> None:
    response = client.post(reverse("password_reset"), {"email": "sam@"})

    html = response.content.decode()
    assert '<p class="error" id="id_email_error">' in html
    assert 'aria-invalid="true"' in input_tag(html, "email")
    assert mail.outbox == []
