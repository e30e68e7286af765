"""Forms parse and present input; the services decide. A service's ValidationError is put back on the
form field it names (`trains.forms.apply_service_errors`), so a refused write shows its message next to the field."""

from __future__ import annotations

from django import forms

from planning.models import ProgramIncrement
from trains.forms import DayField, RowsChoiceField, ShowsVersionErrors, VersionField

from .models import SCALE_1_TO_5, DemoItem, Impediment, ImprovementItem, Risk
from .selectors import AGE_BUCKETS, UNRESOLVED


def person(user) -> str:
    return user.get_full_name() or user.get_username()


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return person(obj)


class FeatureChoiceField(RowsChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.title} ({obj.team.name})" if obj.team_id else obj.title


class VersionedForm(ShowsVersionErrors, forms.Form):
    """Carries the version the person was looking at, so a change on top of someone else's is refused."""

    version = VersionField(min_value=1)


# --- risks -----------------------------------------------------------------------------------------


class RiskFieldsForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner = PersonChoiceField(queryset=None, required=False, empty_label="Nobody yet")
    impact = forms.TypedChoiceField(choices=SCALE_1_TO_5, coerce=int, initial=3)
    likelihood = forms.TypedChoiceField(choices=SCALE_1_TO_5, coerce=int, initial=3)
    due_date = DayField(required=False)
    mitigation_plan = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    features = FeatureChoiceField(queryset=None, required=False)
    dependencies = RowsChoiceField(queryset=None, required=False)
    objectives = RowsChoiceField(queryset=None, required=False)

    def __init__(self, *args, members, links, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        for name in ("features", "dependencies", "objectives"):
            self.fields[name].queryset = links[name]
            self.fields[name].widget.attrs["size"] = 6


class RiskCreateForm(RiskFieldsForm):
    team = forms.ModelChoiceField(
        queryset=None, required=False, empty_label="ART level (the ART board)", label="Level"
    )
    field_order = ["title", "team", "description"]

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


class RiskEditForm(RiskFieldsForm, VersionedForm):
    pass


class RoamMoveForm(VersionedForm):
    status = forms.ChoiceField(choices=Risk.Roam.choices, label="Move to")
    owner = PersonChoiceField(queryset=None, required=False, empty_label="Keep the current owner")
    mitigation_plan = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Mitigation plan (for Mitigated)"
    )
    note = forms.CharField(max_length=300, required=False, label="Note for the history")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members


class RaiseToArtForm(VersionedForm):
    note = forms.CharField(max_length=200, required=False, label="Why the ART should handle it")


# --- impediments -----------------------------------------------------------------------------------


class ImpedimentRaiseForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, empty_label=None)
    title = forms.CharField(max_length=200, label="What blocks the team")
    severity = forms.ChoiceField(choices=Impediment.Severity.choices, initial=Impediment.Severity.MEDIUM)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    blocked_features = FeatureChoiceField(
        queryset=None,
        required=False,
        label="Features it blocks",
        help_text="They count as waiting while it is open.",
    )

    def __init__(self, *args, teams, features, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams
        self.fields["blocked_features"].queryset = features
        self.fields["blocked_features"].widget.attrs["size"] = 5


WORKING_STATUSES = [
    (Impediment.Status.OPEN, "Open"),
    (Impediment.Status.IN_PROGRESS, "In progress"),
    (Impediment.Status.ESCALATED, "Escalated"),
]


class ImpedimentEditForm(VersionedForm):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    severity = forms.ChoiceField(choices=Impediment.Severity.choices)
    status = forms.ChoiceField(choices=WORKING_STATUSES, required=False)
    owner = PersonChoiceField(queryset=None, required=False, empty_label="Keep the current owner")
    blocked_features = FeatureChoiceField(queryset=None, required=False, label="Features it blocks")

    def __init__(self, *args, members, features, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        self.fields["blocked_features"].queryset = features
        self.fields["blocked_features"].widget.attrs["size"] = 5


class EscalateForm(VersionedForm):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,  # the service says what is missing, in the domain's words
        label="Why it needs escalating, and what was tried",
    )


class ResolveForm(VersionedForm):
    resolution = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label="How it was solved"
    )


class ImpedimentFilterForm(forms.Form):
    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="All teams")
    status = forms.ChoiceField(
        choices=[(UNRESOLVED, "Not resolved"), ("all", "Any status"), *Impediment.Status.choices],
        required=False,
    )
    level = forms.ChoiceField(choices=[("", "Any level"), *Impediment.Level.choices], required=False)
    age = forms.ChoiceField(
        choices=[("", "Any age"), *[(key, label) for key, (label, _, _) in AGE_BUCKETS.items()]],
        required=False,
    )
    sort = forms.ChoiceField(
        choices=[("severity", "Most severe, then oldest"), ("age", "Oldest, then most severe")],
        required=False,
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams


# --- ART Sync --------------------------------------------------------------------------------------


class ActionForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label="Action")
    owner = PersonChoiceField(queryset=None, required=False, empty_label="Choose an owner")
    due_date = DayField(required=False, label="Due")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members


class SyncNotesForm(forms.Form):
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


# --- system demo -----------------------------------------------------------------------------------


class SystemDemoForm(forms.Form):
    held_on = DayField(required=False, label="Demo date")
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Feedback notes")


class DemoItemAddForm(forms.Form):
    feature = forms.ModelChoiceField(queryset=None, required=False, empty_label="— a feature of the PI —")
    title = forms.CharField(max_length=200, required=False, label="or name an item")

    def __init__(self, *args, features, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["feature"].queryset = features
        self.fields["feature"].label_from_instance = lambda f: (
            f"{f.title} ({f.team.name}, {f.iteration.label})" if f.team_id and f.iteration_id else f.title
        )


class DemoItemRecordForm(forms.Form):
    outcome = forms.ChoiceField(choices=DemoItem.Outcome.choices)
    feedback = forms.CharField(widget=forms.Textarea(attrs={"rows": 1}), required=False)


class FollowUpForm(ActionForm):
    """An ART Sync action's fields; a follow-up may wait for its owner."""

    title = forms.CharField(max_length=200, required=False, label="Follow-up")
    owner = PersonChoiceField(queryset=None, required=False, empty_label="No owner yet")


# --- Inspect & Adapt -------------------------------------------------------------------------------


class ProblemForm(forms.Form):
    statement = forms.CharField(max_length=300, required=False, label="Problem statement")
    root_causes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Root causes (one per line)"
    )


class ImprovementForm(forms.Form):
    title = forms.CharField(max_length=200, required=False, label="Improvement")
    owner = PersonChoiceField(queryset=None, required=False, empty_label="Choose an owner")
    problem = forms.ModelChoiceField(queryset=None, required=False, empty_label="— no workshop problem —")

    def __init__(self, *args, members, problems, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members
        self.fields["problem"].queryset = problems


class TakeIntoPIForm(forms.Form):
    target_pi = forms.ModelChoiceField(
        queryset=ProgramIncrement.objects.none(), empty_label=None, label="Into"
    )

    def __init__(self, *args, pis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_pi"].queryset = ProgramIncrement.objects.filter(
            pk__in=[pi.pk for pi in pis]
        ).order_by("start_date")


class ImprovementStatusForm(forms.Form):
    status = forms.ChoiceField(choices=ImprovementItem.Status.choices)
