"""Forms of the Delivery page: recording a deployment, an incident or a defect by hand, restoring an
incident, resolving a defect, importing a CSV file, and the team filter. They read the input; the
services (planning/services/delivery.py) hold the rules and say what is wrong per field."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from planning.imports.delivery import COLUMNS
from planning.models import Defect, Deployment, Feature, Incident
from trains.forms import ShowsVersionErrors, VersionField
from trains.limits import DAY_OUT_OF_RANGE, day_in_range
from trains.models import Team

NO_TEAM = ""


class MomentInput(forms.DateTimeInput):
    """A date and time typed day first, as the app writes dates ("02/03/2026 10:15"), whatever the
    browser's language (its own date-time picker follows its locale); ISO 8601 is accepted too."""

    input_type = "text"

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"placeholder": "dd/mm/yyyy hh:mm", "autocomplete": "off", **(attrs or {})},
            format="%d/%m/%Y %H:%M",
        )


class MomentField(forms.DateTimeField):
    """A date and time of an event, in the train's time zone, between EARLIEST_DAY and LATEST_DAY."""

    widget = MomentInput
    default_error_messages = {"invalid": "Give a date and time, day first, like 02/03/2026 10:15."}
    input_formats = ["%d/%m/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]

    def to_python(self, value):
        try:
            return super().to_python(value)
        except (OverflowError, ValueError):  # a year 9999 time moved into the zone
            raise ValidationError(DAY_OUT_OF_RANGE, code="out_of_range") from None

    def validate(self, value):
        super().validate(value)
        if value is not None and not day_in_range(value.date()):
            raise ValidationError(DAY_OUT_OF_RANGE, code="out_of_range")


class RowChoiceField(forms.ChoiceField):
    """A choice among rows the page already loaded (no query per form), cleaned to the row itself."""

    def __init__(self, *, rows=(), label_of=str, empty_label: str | None = None, **kwargs):
        super().__init__(**kwargs)
        self.set_rows(rows, label_of=label_of, empty_label=empty_label)

    def set_rows(self, rows, *, label_of=str, empty_label: str | None = None) -> None:
        self.rows = {str(row.pk): row for row in rows}
        choices = [(key, label_of(row)) for key, row in self.rows.items()]
        self.choices = ([(NO_TEAM, empty_label)] if empty_label is not None else []) + choices

    def clean(self, value):
        key = super().clean(value)
        return self.rows.get(key) if key else None


def _text(label: str, max_length: int, *, required: bool = True, help_text: str = "", message: str = ""):
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        error_messages={"required": message or f"Fill in {label.lower()}."},
    )


class _EventForm(forms.Form):
    """What the three forms share: the team (those the person records for) and the reference."""

    team = RowChoiceField(label="Team", required=False)
    reference = _text(
        "Reference",
        200,
        required=False,
        help_text="The pipeline run, commit SHA or ticket id. Recording it again updates this one.",
    )

    def __init__(self, *args, teams: list[Team], any_team: bool, prefix_id: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = f"{prefix_id}-%s"
        self.fields["team"].set_rows(teams, empty_label="No team (shared service)" if any_team else None)
        self.fields["team"].required = not any_team

    def values(self) -> dict:
        """The cleaned fields as the service takes them (an empty optional time is no time)."""
        return dict(self.cleaned_data)


class DeploymentForm(_EventForm):
    service = _text("Service", 100, message="Name the service that was deployed.")
    environment = _text("Environment", 40, help_text="Only production deployments count in the DORA figures.")
    deployed_at = MomentField(
        label="Deployed at", error_messages={"required": "Give the date and time it was deployed."}
    )
    committed_at = MomentField(label="First commit at", required=False, help_text="For lead time for change.")
    merged_at = MomentField(label="Merged at", required=False)
    succeeded = forms.BooleanField(label="It succeeded", required=False, initial=True)
    rolled_back = forms.BooleanField(label="It was rolled back", required=False)

    field_order = [
        "service",
        "team",
        "environment",
        "deployed_at",
        "committed_at",
        "merged_at",
        "succeeded",
        "rolled_back",
        "reference",
    ]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("environment", Deployment.PRODUCTION)
        super().__init__(*args, prefix_id="deployment", **kwargs)


class IncidentForm(_EventForm):
    title = _text("What happened", 200, message="Say in a few words what happened.")
    service = _text("Service", 100, message="Name the service that was hit.")
    severity = forms.ChoiceField(label="Severity", choices=Incident.Severity.choices, initial="medium")
    started_at = MomentField(
        label="Started at", error_messages={"required": "Give the date and time it started."}
    )
    restored_at = MomentField(label="Restored at", required=False, help_text="Leave empty while it is open.")
    deployment = RowChoiceField(
        label="Caused by the deployment", required=False, help_text="When a change caused it."
    )

    field_order = [
        "title",
        "service",
        "team",
        "severity",
        "started_at",
        "restored_at",
        "deployment",
        "reference",
    ]

    def __init__(self, *args, deployments: list[Deployment], **kwargs):
        super().__init__(*args, prefix_id="incident", **kwargs)
        self.fields["deployment"].set_rows(
            deployments,
            label_of=lambda d: f"{d.service} · {d.deployed_at:%d %b %H:%M}{' · ' + d.team.name if d.team else ''}",
            empty_label="None known",
        )


class DefectForm(_EventForm):
    title = _text("Defect", 200, message="Say in a few words what is wrong.")
    found_in = forms.ChoiceField(
        label="Found", choices=Defect.FoundIn.choices, initial=Defect.FoundIn.BEFORE_RELEASE
    )
    severity = forms.ChoiceField(label="Severity", choices=Defect.Severity.choices, initial="medium")
    found_at = MomentField(
        label="Found at", error_messages={"required": "Give the date and time it was found."}
    )
    resolved_at = MomentField(label="Resolved at", required=False, help_text="Leave empty while it is open.")
    feature = RowChoiceField(
        label="Feature",
        required=False,
        help_text="The feature it belongs to; without a team, the feature's team.",
    )

    field_order = ["title", "found_in", "severity", "team", "feature", "found_at", "resolved_at", "reference"]

    def __init__(self, *args, features: list[Feature], **kwargs):
        super().__init__(*args, prefix_id="defect", **kwargs)
        self.fields["feature"].set_rows(
            features, label_of=lambda f: f"{f.title} ({f.pi.name})" if f.pi else f.title, empty_label="None"
        )


class CloseForm(ShowsVersionErrors, forms.Form):
    """Restore an incident or resolve a defect: at a time (now when left empty), from the version shown."""

    at = MomentField(label="At", required=False, help_text="Now, when left empty.")
    version = VersionField()


class DeliveryImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds", choices=[(kind, f"{kind.title()}s") for kind in COLUMNS]
    )
    file = forms.FileField(label="CSV file", error_messages={"required": "Choose the CSV file to import."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.auto_id = "import-%s"


class TeamFilterForm(forms.Form):
    team = RowChoiceField(label="Team", required=False)

    def __init__(self, *args, teams: list[Team], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].set_rows(teams, empty_label="All teams")
        self.fields["team"].widget.attrs["data-submit-on-change"] = ""
