from django.urls import reverse

from metrics.services import pi_snapshot_compute

from ..table import READERS, Row


def computed(world):
    """The PI's figures stored once, so the reads return rows."""
    pi_snapshot_compute(pi=world.pi)


def url(name):
    return lambda w: reverse(f"metrics-api:{name}", args=["orbit", w.pi.pk])


ROWS = [
    Row("GET", "metrics-api:snapshot-list", url("snapshot-list"), READERS, setup=computed),
    Row("GET", "metrics-api:series", url("series"), READERS, setup=computed),
    Row("GET", "metrics-api:dashboard", url("dashboard"), READERS, setup=computed),
    Row("GET", "metrics-api:recompute", url("recompute"), READERS),
    # As the dashboard's "Recompute now": anyone with a role, since recomputing changes no plan.
    Row("POST", "metrics-api:recompute", url("recompute"), READERS, ok=(202,)),
]
