"""Forms for the WSJF backlog: one feature's four inputs, and pulling it into the PI."""

from django import forms

from planning.calculations import FIBONACCI
from planning.services.backlog import SCALE_MESSAGE, WSJF_FIELDS
from trains.forms import ShowsVersionErrors, VersionField

SCALE_CHOICES = [("", "—"), *[(str(n), str(n)) for n in FIBONACCI]]
LABELS = {
    "business_value": "User-business value",
    "time_criticality": "Time criticality",
    "risk_reduction": "Risk reduction / opportunity enablement",
    "job_size": "Job size",
}


def _scale_field(name: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=LABELS[name],
        choices=SCALE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": SCALE_MESSAGE},
    )


class WsjfForm(ShowsVersionErrors, forms.Form):
    """Only the inputs present in the POST are changed; the version makes a stale edit fail."""

    business_value = _scale_field("business_value")
    time_criticality = _scale_field("time_criticality")
    risk_reduction = _scale_field("risk_reduction")
    job_size = _scale_field("job_size")
    version = VersionField()

    def inputs(self) -> dict:
        return {name: self.cleaned_data[name] for name in WSJF_FIELDS if name in self.data}


class PullForm(ShowsVersionErrors, forms.Form):
    """Pull onto a team (``pull``) or take the feature out of the PI (``remove``)."""

    action = forms.ChoiceField(choices=[("pull", "Pull"), ("remove", "Remove from PI")])
    team = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Team")
    version = VersionField()

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.teams = {team.pk: team for team in teams}
        self.fields["team"].choices = [("", "— no team yet —"), *[(t.pk, t.name) for t in teams]]

    def clean(self):
        cleaned = super().clean()
        cleaned["team"] = self.teams.get(cleaned.get("team"))
        return cleaned
