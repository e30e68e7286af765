"""The OpenAPI document is generated from the code, validates without warnings, and is served
with Swagger UI and Redoc from this server (no CDN)."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/trains/" in (tmp_path / "schema.yaml").read_text()


def test_the_schema_and_its_viewers_are_served_without_a_cdn(client):
    assert client.get("/api/schema/").status_code == 200
    for viewer in ("/api/docs/", "/api/redoc/"):
        page = client.get(viewer).content.decode()
        assert "cdn" not in page.lower() and "/static/drf_spectacular_sidecar/" in page
