"""Who may download the train's whole backup from its page (artops/backup/views.py): its RTE alone."""

from django.urls import reverse

from ..table import RTE, Row

ROWS = [
    Row("GET", "backup:download", lambda w: reverse("backup:download", kwargs={"slug": "orbit"}), RTE),
]
