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

# The order a change's fields are listed in (the database's JSON keeps no order): what names the item
# first, then where it is and its state, then the rest as the forms list them; others after, by name.
FIELD_ORDER = [
    "title",
    "name",
    "text",
    "statement",
    "user",
    "role",
    "pi",
    "source_pi",
    "target_pi",
    "team",
    "origin_team",
    "requesting_team",
    "providing_team",
    "requesting_feature",
    "providing_feature",
    "iteration",
    "needed_by_iteration",
    "feature",
    "state",
    "status",
    "roam_status",
    "kind",
    "severity",
    "escalation_level",
    "is_committed",
    "is_blocked",
    "owner",
    "scope",
    "number",
    "score",
    "concern",
    "start_date",
    "end_date",
    "date",
    "due_date",
    "points",
    "fte",
    "days_off",
    "capacity_override",
    "business_value",
    "time_criticality",
    "risk_reduction",
    "job_size",
    "planned_business_value",
    "actual_business_value",
    "impact",
    "likelihood",
    "description",
    "acceptance_criteria",
    "mitigation_plan",
    "resolution",
]
RANK = {name: index for index, name in enumerate(FIELD_ORDER)}

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
def ordered_fields(fields: dict) -> list[tuple[str, list]]:
    return sorted(fields.items(), key=lambda item: (RANK.get(item[0], len(RANK)), item[0]))


@register.filter
def kind_word(change) -> str:
    """The item's kind inside a sentence: "feature", "confidence vote", but "PI"."""
    label = str(change.get_kind_display())
    return label if label.isupper() else label.lower()


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
