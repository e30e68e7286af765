"""How the history reads: field names as people say them, values, and the door a change came in by."""

from django import template
from django.template.defaultfilters import truncatechars

register = template.Library()

# Field names whose plain reading ("is blocked", "roam status") is not what the screens call them.
FIELD_LABELS = {
    "is_blocked": "Blocked",
    "is_committed": "Committed",
    "roam_status": "ROAM",
    "fte": "FTE",
    "pi": "PI",
    "source_pi": "Raised in",
    "target_pi": "Taken into",
    "business_value": "User-business value",
    "risk_reduction": "Risk reduction / opportunity enablement",
    "capacity_override": "Capacity override",
    "origin_team": "Raised from",
    "needed_by_iteration": "Needed by",
    "due_date": "Due",
}

DOORS = {
    "page": "on a page",
    "api": "through the API",
    "import": "by an import",
    "admin": "in the admin",
    "task": "by a task",
}


@register.filter
def field_label(name: str) -> str:
    return FIELD_LABELS.get(name) or name.replace("_", " ").capitalize()


@register.filter
def change_value(value) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return truncatechars(str(value), 160)


@register.filter
def door_phrase(door: str) -> str:
    return DOORS.get(door, door)
