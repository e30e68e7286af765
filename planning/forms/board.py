"""Forms for the planning screens. They validate input for the user; the services enforce the rules."""

from django import forms
from django.contrib.auth import get_user_model

from planning.models import Dependency, Feature, Iteration, Milestone, ProgramIncrement
from planning.services.board import DEPENDENCY_FIELDS
from trains.forms import DayField, ShowsVersionErrors, VersionField
from trains.models import Team


class BoardDialogForm(ShowsVersionErrors, forms.ModelForm):
    """A board dialog's form: the PI it is in, and the version the user started from, so a stale save
    is refused, never applied. A new object gets its PI before validation, which needs it."""

    version = VersionField(required=False)

    def __init__(self, *args, pi: ProgramIncrement, **kwargs):
        super().__init__(*args, **kwargs)
        self.pi = pi
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version
            self.fields["version"].required = True  # an edit states the version it was based on
        else:
            self.instance.pi = pi


class FeatureForm(BoardDialogForm):
    class Meta:
        model = Feature
        fields = [
            "title",
            "kind",
            "state",
            "team",
            "iteration",
            "business_value",
            "time_criticality",
            "risk_reduction",
            "job_size",
            "acceptance_criteria",
            "description",
        ]
        widgets = {
            "acceptance_criteria": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, pi: ProgramIncrement, **kwargs):
        super().__init__(*args, pi=pi, **kwargs)
        if not self.instance.pk:  # model validation needs the feature's train too
            self.instance.train_id = pi.train_id
        self.fields["team"].queryset = Team.objects.filter(train_id=pi.train_id).order_by("position", "name")
        self.fields["iteration"].queryset = Iteration.objects.filter(pi=pi).order_by("number")
        self.fields["iteration"].label_from_instance = (
            lambda it: f"{it.label} ({it.start_date:%d %b} – {it.end_date:%d %b})"
        )
        self.fields["team"].empty_label = "— unplanned —"
        self.fields["iteration"].empty_label = "— unplanned —"


def _row_id(value) -> int:
    """A posted id, refused as an invalid choice unless it could be a row's (a bigint above 0)."""
    number = int(value)
    if not 0 < number < 2**63:
        raise ValueError(value)
    return number


class MoveForm(ShowsVersionErrors, forms.Form):
    """Where a card goes: a team and an iteration, or neither (the unplanned lane).

    A drop posts ids. The form checks their shape only: whether the team is on the train and the
    iteration in the PI, the move's own guarded UPDATE checks (planning.services.feature_move), so
    the board's hottest write reads nothing it does not need; a refusal comes back on these fields.
    """

    team = forms.TypedChoiceField(coerce=_row_id, required=False, empty_value=None)
    iteration = forms.TypedChoiceField(coerce=_row_id, required=False, empty_value=None)
    version = VersionField(min_value=1, max_value=2**31 - 1)
    # The version of the board the mover sees (added by static/js/board.js), so the answer can bring
    # that board to the new version; a board without it reloads on its next poll instead.
    board_version = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=0, max_value=2**31 - 1
    )

    def __init__(self, *args, pi: ProgramIncrement, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:  # any id is a candidate; the move checks it against the PI and the train
            self.fields["team"].valid_value = self.fields["iteration"].valid_value = lambda value: True
        else:
            teams = Team.objects.filter(train_id=pi.train_id).order_by("position", "name")
            iterations = Iteration.objects.filter(pi=pi).order_by("number")
            self.fields["team"].choices = [("", "— unplanned —"), *[(t.pk, t.name) for t in teams]]
            self.fields["iteration"].choices = [
                ("", "— unplanned —"),
                *[(it.pk, f"{it.label} ({it.start_date:%d %b} – {it.end_date:%d %b})") for it in iterations],
            ]

    def clean(self):
        data = super().clean()
        if bool(data.get("team")) != bool(data.get("iteration")):
            raise forms.ValidationError(
                "Choose both a team and an iteration, or neither to unplan the feature."
            )
        return data


class DependencyForm(BoardDialogForm):
    class Meta:
        model = Dependency
        fields = DEPENDENCY_FIELDS

    def __init__(self, *args, pi: ProgramIncrement, **kwargs):
        super().__init__(*args, pi=pi, **kwargs)
        teams = Team.objects.filter(train_id=pi.train_id).order_by("position", "name")
        self.fields["requesting_team"].queryset = teams
        self.fields["providing_team"].queryset = teams
        features = Feature.objects.filter(pi=pi).select_related("team").order_by("team__position", "title")
        for name in ("requesting_feature", "providing_feature"):
            self.fields[name].queryset = features
            self.fields[name].label_from_instance = (
                lambda f: f"{f.team.name if f.team else 'Unplanned'} · {f.title}"
            )
        self.fields["needed_by_iteration"].queryset = Iteration.objects.filter(pi=pi).order_by("number")
        self.fields["needed_by_iteration"].label_from_instance = lambda it: it.label
        self.fields["owner"].queryset = (
            get_user_model()
            .objects.filter(memberships__train_id=pi.train_id)
            .distinct()
            .order_by("first_name")
        )
        self.fields["owner"].label_from_instance = lambda u: u.get_full_name() or u.username


class MilestoneForm(BoardDialogForm):
    class Meta:
        model = Milestone
        fields = ["name", "date", "kind", "description"]
        field_classes = {"date": DayField}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date and not (self.pi.start_date <= date <= self.pi.end_date):
            raise forms.ValidationError(
                f"Pick a date inside {self.pi.name} ({self.pi.start_date:%d %b} – {self.pi.end_date:%d %b %Y})."
            )
        return date
