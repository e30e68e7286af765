"""Forms for release readiness: they parse and present input, the services decide (a service's
ValidationError is put back on the field it names by trains.forms.apply_service_errors)."""

from __future__ import annotations

from django import forms

from risks.forms import PersonChoiceField, VersionedForm
from trains.forms import RowsChoiceField

from ..models import ReleaseCriterion, ReleaseDecision

Status = ReleaseCriterion.Status
CUSTOM_STATUSES = [
    (s.value, s.label) for s in (Status.NOT_MET, Status.AT_RISK, Status.MET, Status.NOT_APPLICABLE)
]
COMPUTED_STATUSES = [
    (Status.AUTO.value, Status.AUTO.label),
    (Status.NOT_APPLICABLE.value, Status.NOT_APPLICABLE.label),
]


class ScopeForm(VersionedForm):
    teams = RowsChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Teams in this release",
        help_text="None ticked: every team of the train.",
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = teams


class CriterionForm(forms.Form):
    title = forms.CharField(
        max_length=200,
        label="Criterion",
        error_messages={"required": "Say what must hold, e.g. “Security review signed off”."},
    )
    owner = PersonChoiceField(queryset=None, required=False, empty_label="Nobody yet")
    status = forms.ChoiceField(choices=CUSTOM_STATUSES)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)

    def __init__(self, *args, members, computed: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        if computed:
            self.fields["status"].choices = COMPUTED_STATUSES
            self.fields["status"].label = "Applies"


class CriterionEditForm(CriterionForm, VersionedForm):
    @classmethod
    def for_criterion(
        cls, criterion: ReleaseCriterion, *, members, data=None, full=True
    ) -> CriterionEditForm:
        """`full`: the RTE's form; otherwise the owner's, where only the status and note change."""
        initial = {
            "title": criterion.title,
            "owner": criterion.owner_id,
            "status": criterion.status,
            "note": criterion.note,
            "version": criterion.version,
        }
        form = cls(data, initial=initial, members=members, computed=criterion.is_computed)
        form.criterion = criterion
        if not full:
            form.fields["title"].disabled = form.fields["owner"].disabled = True
        return form


class VersionForm(VersionedForm):
    pass


class DecisionForm(VersionedForm):
    outcome = forms.ChoiceField(
        choices=ReleaseDecision.Outcome.choices, widget=forms.RadioSelect, label="Decision"
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        label="Why",
        error_messages={"required": "Say why: the decision log is read later by people who were not there."},
    )
    conditions = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
        label="Conditions",
        help_text="Needed for “go with conditions”: what must hold, by when, and who checks it.",
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("outcome") == ReleaseDecision.Outcome.GO_WITH_CONDITIONS
            and not (data.get("conditions") or "").strip()
        ):
            self.add_error("conditions", "State the conditions the release goes with.")
        return data
