"""The activity feed's filters: person, kind and a range of days, all optional."""

from django import forms

from trains.forms import DayInput
from trains.limits import DAY_OUT_OF_RANGE, day_in_range

from .models import Kind
from .selectors import FeedFilters

DAY_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]


class FeedFilterForm(forms.Form):
    person = forms.TypedChoiceField(label="Person", required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "All kinds"), *Kind.choices])
    since = forms.DateField(label="From", required=False, widget=DayInput, input_formats=DAY_FORMATS)
    until = forms.DateField(label="To", required=False, widget=DayInput, input_formats=DAY_FORMATS)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [
            ("", "Everyone"),
            *[(user.pk, user.get_full_name() or user.get_username()) for user in people],
        ]

    def clean(self):
        data = super().clean()
        for name in ("since", "until"):
            if data.get(name) and not day_in_range(data[name]):
                self.add_error(name, DAY_OUT_OF_RANGE)
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The range ends before it starts: pick a “To” day on or after “From”.")
        return data

    def filters(self) -> FeedFilters:
        """The filters a valid form asks for; an invalid one shows its messages and filters nothing."""
        if not self.is_valid():
            return FeedFilters()
        data = self.cleaned_data
        return FeedFilters(
            person=data.get("person"),
            kind=data.get("kind") or None,
            since=data.get("since"),
            until=data.get("until"),
        )
