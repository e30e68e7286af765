"""Forms of the PI page: a new PI, its dates and its iterations' dates, a state move, its Business
Owners. They check the input's shape; the services (planning/services/lifecycle.py) enforce the rules."""

from django import forms
from django.contrib.auth import get_user_model

from planning.models import ProgramIncrement
from planning.services.lifecycle import MAX_ITERATIONS, MIN_ITERATIONS, NEXT_STATE
from trains.forms import DayField, RowsChoiceField
from trains.models import Role, Train


class PINewForm(forms.Form):
    name = forms.CharField(max_length=60, help_text="e.g. “PI 2027.1”: unique on the train.")
    start_date = DayField(help_text="The first day of the first iteration.")
    iteration_count = forms.IntegerField(
        label="Iterations (the last one is IP)", min_value=MIN_ITERATIONS, max_value=MAX_ITERATIONS
    )

    def __init__(self, *args, train: Train, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["iteration_count"].initial = train.iterations_per_pi
        self.fields["iteration_count"].help_text = (
            f"The train's cadence: {train.iterations_per_pi} iterations of {train.iteration_length_days} days, "
            "generated back to back from the start date."
        )


class DateSpanForm(forms.Form):
    """Start and end dates (of an iteration, or of the PI)."""

    start_date = DayField(label="Start")
    end_date = DayField(label="End")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date is before the start date.")
        return cleaned


class TransitionForm(forms.Form):
    to_state = forms.ChoiceField(choices=ProgramIncrement.State.choices)
    confirm_unscored = forms.BooleanField(required=False, label="Close with the unscored objectives")

    def __init__(self, *args, pi: ProgramIncrement, unscored: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        next_state = NEXT_STATE.get(pi.state)
        self.fields["to_state"].initial = next_state
        if unscored:
            self.fields[
                "confirm_unscored"
            ].label = f"Close with {unscored} objective{'s' if unscored != 1 else ''} unscored"


class BusinessOwnersForm(forms.Form):
    business_owners = RowsChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Business Owners of this PI",
        help_text="People who hold the Business Owner role on the train.",
    )

    def __init__(self, *args, train: Train, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["business_owners"]
        field.queryset = (
            get_user_model()
            .objects.filter(memberships__train=train, memberships__role=Role.BUSINESS_OWNER)
            .distinct()
            .order_by("last_name", "first_name", "username")
        )
        field.label_from_instance = lambda user: user.get_full_name() or user.username


class ReopenForm(forms.Form):
    """Why a closed PI is reopened (required, by the service, which says so on this field)."""

    reason = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Reason for reopening",
        help_text="Kept with the PI for everyone to read, e.g. “Team Atlas's actual value for objective 3 "
        "was entered as 9 instead of 6.”",
    )
