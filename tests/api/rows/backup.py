"""Who may download the train's whole backup over the API (artops/backup/views.py): its RTE alone."""

from django.urls import reverse

from ..table import Row

RTE = frozenset({"rte"})

ROWS = [
    Row(
        "GET",
        "backup-api:train-backup",
        lambda w: reverse("backup-api:train-backup", kwargs={"slug": "orbit"}),
        RTE,
    ),
]
