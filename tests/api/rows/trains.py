from django.urls import reverse

from ..table import READERS, Row

ROWS = [
    Row("GET", "trains-api:train-list", lambda w: reverse("trains-api:train-list"), READERS | {"outsider"}),
    Row(
        "GET",
        "trains-api:train-detail",
        lambda w: reverse("trains-api:train-detail", args=["orbit"]),
        READERS,
    ),
    Row("GET", "trains-api:team-list", lambda w: reverse("trains-api:team-list", args=["orbit"]), READERS),
    Row(
        "GET",
        "trains-api:team-detail",
        lambda w: reverse("trains-api:team-detail", args=["orbit", w.team_a.pk]),
        READERS,
    ),
    Row(
        "GET",
        "trains-api:membership-list",
        lambda w: reverse("trains-api:membership-list", args=["orbit"]),
        READERS,
    ),
]
