"""Who may download the API's exports (planning/api/exports.py, risks/api/exports.py): everyone
with a role on the train, as for the pages they come from."""

from django.urls import reverse

from ..table import READERS, Row


def _pi_export(name: str, fmt: str):
    return lambda w: reverse(f"planning-api:{name}", kwargs={"slug": "orbit", "pi_id": w.pi.pk, "fmt": fmt})


def _train_export(name: str, fmt: str):
    return lambda w: reverse(f"risks-api:{name}", kwargs={"slug": "orbit", "fmt": fmt})


ROWS = [
    Row("GET", "planning-api:pi-plan-export", _pi_export("pi-plan-export", "xlsx"), READERS),
    Row("GET", "planning-api:objectives-export", _pi_export("objectives-export", "csv"), READERS),
    Row("GET", "planning-api:capacity-export", _pi_export("capacity-export", "xlsx"), READERS),
    Row("GET", "risks-api:roam-export", _train_export("roam-export", "csv"), READERS),
    Row("GET", "risks-api:impediments-export", _train_export("impediments-export", "xlsx"), READERS),
    Row("GET", "risks-api:action-items-export", _train_export("action-items-export", "csv"), READERS),
]
