"""Personal API tokens: made and revoked on the Account page, stored hashed, shown once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from trains.models import ApiToken
from trains.services import api_token_create

pytestmark = pytest.mark.django_db

TRAINS = "/api/v1/trains/"


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def test_a_token_is_made_on_the_account_page_shown_once_and_stored_only_as_a_hash(client, rte, train):
    client.force_login(rte)
    response = client.post(
        reverse("account-tokens"), {"name": "CI pipeline", "expires_in_days": "30"}, follow=True
    )
    page = response.content.decode()
    token = ApiToken.objects.get(user=rte)
    secret = page.split('id="new-token">')[1].split("<")[0]
    assert secret.startswith(f"art_{token.prefix}_") and secret not in token.secret_hash
    assert token.expires_at - timezone.now() > timedelta(days=29)
    assert secret not in client.get(reverse("account-tokens")).content.decode()  # once only
    assert [t["slug"] for t in bearer(secret).get(TRAINS).json()["results"]] == ["orbit"]


def test_a_token_without_a_name_is_refused_on_its_field(client, rte):
    client.force_login(rte)
    response = client.post(reverse("account-tokens"), {"name": "  "})
    assert response.status_code == 422 and "field-error" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_revoked_expired_or_wrong_token_is_refused_with_401(client, rte, train):
    live, secret = api_token_create(user=rte, name="script")
    assert bearer(secret).get(TRAINS).status_code == 200
    assert bearer(secret[:-2] + "xx").get(TRAINS).status_code == 401
    assert bearer("art_nothere_abc").get(TRAINS).status_code == 401
    assert bearer("not a token").get(TRAINS).status_code == 401
    long_ago = timezone.now() - timedelta(days=31)
    ApiToken.objects.filter(pk=live.pk).update(created_at=long_ago, expires_at=long_ago + timedelta(days=30))
    assert bearer(secret).get(TRAINS).status_code == 401

    _, other = api_token_create(user=rte, name="other")
    client.force_login(rte)
    token = ApiToken.objects.get(name="other")
    client.post(reverse("account-token-revoke", args=[token.pk]))
    response = bearer(other).get(TRAINS)
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_only_the_owner_revokes_a_token(client, rte, viewer):
    token, _ = api_token_create(user=rte, name="mine")
    client.force_login(viewer)
    assert client.post(reverse("account-token-revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_keeps_when_it_was_last_used(rte):
    token, secret = api_token_create(user=rte, name="script")
    bearer(secret).get(TRAINS)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_an_anonymous_call_is_refused_with_401_and_the_error_shape():
    response = APIClient().get(TRAINS)
    assert response.status_code == 401
    assert response.json() == {
        "code": "not_authenticated",
        "message": "Authentication credentials were not provided.",
        "fields": {},
    }


def test_an_unknown_api_url_answers_404_in_the_error_shape(rte):
    _, secret = api_token_create(user=rte, name="script")
    response = bearer(secret).get("/api/v1/trains/orbit/teams/null,null/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_a_forged_cursor_is_refused_with_404_not_a_500(rte, train):
    import base64

    _, secret = api_token_create(user=rte, name="script")
    cursor = base64.b64encode(b"p=abc").decode()
    response = bearer(secret).get(f"/api/v1/trains/orbit/teams/?cursor={cursor}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
