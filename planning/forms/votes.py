"""Forms of the confidence vote screen: opening a round, a fist-of-five score, a concern."""

from django import forms

from planning.calculations import VOTE_SCORES
from planning.services.votes import CONCERN_MAX_LENGTH, SCORE_LABELS, SCORE_MESSAGE
from trains.models import Train

SCORE_CHOICES = [(score, f"{score} · {SCORE_LABELS[score]}") for score in VOTE_SCORES]


class VoteRoundOpenForm(forms.Form):
    """Which plan to vote on: a team's, or the ART's when no team is chosen."""

    team = forms.ModelChoiceField(queryset=None, required=False, empty_label="The ART's plan")

    def __init__(self, *args, train: Train, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = train.teams.all()
        self.fields["team"].error_messages["invalid_choice"] = "Choose one of this train's teams."


class VoteForm(forms.Form):
    score = forms.TypedChoiceField(
        choices=SCORE_CHOICES,
        coerce=int,
        error_messages={"required": SCORE_MESSAGE, "invalid_choice": SCORE_MESSAGE},
    )
    concern = forms.CharField(
        required=False,
        max_length=CONCERN_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConcernForm(forms.Form):
    concern = forms.CharField(
        label="What worries you?",
        required=False,
        max_length=CONCERN_MAX_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Say what would have to change for you to vote higher. The RTE can turn it into a risk.",
    )
