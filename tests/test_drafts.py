"""Staff preview drafts on the site ("View on site" in the admin); nobody else sees them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import make_article, make_routine

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client: Client) -> Client:
    user = User.objects.create_user("editor", password="pw", is_staff=True)
    client.force_login(user)
    return client


def test_staff_preview_an_unpublished_routine_marked_as_draft(staff_client: Client) -> None:
    routine = make_routine("Secret stretch", published=False)
    response = staff_client.get(routine.get_absolute_url())
    assert response.status_code == 200
    assert "Only staff can see this page" in response.content.decode()


def test_guests_and_users_get_404_for_an_unpublished_routine(client: Client) -> None:
    routine = make_routine("Secret stretch", published=False)
    guest = client.get(routine.get_absolute_url())
    assert guest.status_code == 404
    assert "Secret stretch" not in guest.content.decode()
    client.force_login(User.objects.create_user("someone", password="pw"))
    user = client.get(routine.get_absolute_url())
    assert user.status_code == 404
    assert "Secret stretch" not in user.content.decode()


def test_published_routine_has_no_draft_banner(staff_client: Client) -> None:
    routine = make_routine("Open stretch", published=True)
    assert "Only staff can see" not in staff_client.get(routine.get_absolute_url()).content.decode()


def test_staff_preview_an_unpublished_learn_page(staff_client: Client, client: Client) -> None:
    article = make_article("Draft topic", published=False)
    response = staff_client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert "Only staff can see this page" in response.content.decode()
    assert Client().get(article.get_absolute_url()).status_code == 404
