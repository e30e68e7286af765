"""What running PI Planning reads and writes over HTTP: stories, capacity, objectives and business
value, predictability, WSJF and pulls, confidence votes, the baseline and plan vs now.

Input serializers only shape and type a body; every rule (ranges, who may, which PI state) is the
service's, so a refusal says the same sentence here as on the pages. Ids in a body are looked up on
the request's train only: another train's id is "does not exist" (422), never a way across.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from planning.calculations import vote_summary
from planning.models import ConfidenceVote, Feature, Iteration, PIObjective, ProgramIncrement, Story
from trains.models import Team


class OnTrain(serializers.PrimaryKeyRelatedField):
    """An id of a row on the train named in the URL (the view's `train`)."""

    def __init__(self, *, train_path: str = "train", **kwargs):
        self.train_path = train_path
        super().__init__(**kwargs)

    def get_queryset(self):
        train = getattr(self.context.get("view"), "train", None)
        rows = super().get_queryset()
        return rows.filter(**{self.train_path: train}) if train is not None else rows.none()


def _person(user) -> str | None:
    return user.get_username() if user else None


# --- stories ---------------------------------------------------------------------------------------


class StorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Story
        fields = ["id", "team", "title", "points", "state", "feature", "iteration", "version", "created_at"]
        read_only_fields = fields


class StoryCreateSerializer(serializers.Serializer):
    team = OnTrain(queryset=Team.objects.all())
    title = serializers.CharField(allow_blank=True, trim_whitespace=False)
    points = serializers.IntegerField(help_text="Story points, 0 or more.")
    feature = OnTrain(queryset=Feature.objects.all(), allow_null=True, required=False, default=None)
    iteration = OnTrain(
        queryset=Iteration.objects.all(),
        train_path="pi__train",
        allow_null=True,
        required=False,
        default=None,
        help_text="None: unscheduled.",
    )


class StoryUpdateSerializer(serializers.Serializer):
    """Any of the story's planning fields; the ones left out stay as they are."""

    title = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    points = serializers.IntegerField(required=False)
    feature = OnTrain(queryset=Feature.objects.all(), allow_null=True, required=False)
    iteration = OnTrain(
        queryset=Iteration.objects.all(), train_path="pi__train", allow_null=True, required=False
    )


# --- capacity --------------------------------------------------------------------------------------


class LoadSerializer(serializers.Serializer):
    """§4.3: load (story points planned) against capacity, with its traffic light."""

    capacity = serializers.FloatField()
    load = serializers.IntegerField()
    ratio = serializers.FloatField(allow_null=True, help_text="Load / capacity in percent.")
    status = serializers.CharField(help_text="green (≤ 80 %), amber (≤ 100 %) or red (over capacity).")


class CapacityCellSerializer(serializers.Serializer):
    """One team in one iteration. `version` 0: nothing entered yet (its capacity counts as 0)."""

    team = serializers.IntegerField(source="team.pk")
    iteration = serializers.IntegerField(source="iteration.pk")
    iteration_label = serializers.CharField(source="iteration.label")
    is_ip = serializers.BooleanField(source="iteration.is_ip")
    entered = serializers.BooleanField()
    fte = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, coerce_to_string=False)
    days_off = serializers.IntegerField(allow_null=True)
    capacity_override = serializers.IntegerField(source="override", allow_null=True)
    default_capacity = serializers.FloatField(source="default", allow_null=True)
    capacity = serializers.FloatField()
    load = serializers.IntegerField()
    ratio = serializers.FloatField(source="figures.ratio", allow_null=True)
    status = serializers.CharField(source="figures.status")
    version = serializers.IntegerField()


class CapacityTeamSerializer(LoadSerializer):
    team = serializers.IntegerField(source="team.pk")
    name = serializers.CharField(source="team.name")


class CapacityIterationSerializer(LoadSerializer):
    iteration = serializers.IntegerField(source="iteration.pk")
    label = serializers.CharField(source="iteration.label")
    is_ip = serializers.BooleanField(source="iteration.is_ip")


class CapacityGridSerializer(serializers.Serializer):
    """Totals count development iterations only: the IP iteration is buffer (§4.3)."""

    teams = CapacityTeamSerializer(many=True)
    iterations = CapacityIterationSerializer(many=True)
    overall = LoadSerializer()
    cells = CapacityCellSerializer(many=True)


class CapacitySetSerializer(serializers.Serializer):
    fte = serializers.DecimalField(
        max_digits=12, decimal_places=6, help_text="Developers and testers, e.g. 5.5 (two decimals)."
    )
    days_off = serializers.IntegerField(default=0, help_text="Person-days off in the iteration.")
    capacity_override = serializers.IntegerField(
        allow_null=True, default=None, help_text="Points to plan with instead of 8 × FTE − days off."
    )


# --- objectives, business value, predictability ----------------------------------------------------


class ObjectiveSerializer(serializers.ModelSerializer):
    features = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = PIObjective
        fields = [
            "id",
            "pi",
            "team",
            "text",
            "is_committed",
            "position",
            "planned_business_value",
            "actual_business_value",
            "features",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class ObjectiveCreateSerializer(serializers.Serializer):
    team = OnTrain(queryset=Team.objects.all())
    text = serializers.CharField(allow_blank=True, trim_whitespace=False)
    is_committed = serializers.BooleanField(default=True)
    features = OnTrain(queryset=Feature.objects.all(), many=True, default=list)


class ObjectiveUpdateSerializer(serializers.Serializer):
    """Any of text, commitment and linked features; the ones left out stay as they are."""

    text = serializers.CharField(allow_blank=True, trim_whitespace=False, required=False)
    is_committed = serializers.BooleanField(required=False)
    features = OnTrain(queryset=Feature.objects.all(), many=True, required=False)


class ObjectiveMoveSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=["up", "down"], help_text="One place within its list.")


class BusinessValueSerializer(serializers.Serializer):
    value = serializers.IntegerField(allow_null=True, help_text="Planned 1–10, actual 0–10; null clears it.")


class FigureSerializer(serializers.Serializer):
    """§4.1 predictability: Σ actual value / Σ planned value of committed objectives, in percent.

    `percent` is null with a `reason` when there is no figure (nothing committed carries planned
    value, or nothing is scored yet); `band` is where it lies against the healthy 80–100 %.
    """

    percent = serializers.FloatField(allow_null=True)
    actual_total = serializers.IntegerField()
    planned_total = serializers.IntegerField()
    objectives = serializers.IntegerField()
    scored = serializers.IntegerField()
    provisional = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    band = serializers.CharField(allow_null=True, help_text="below, in or above the 80–100 % band.")


class TeamFigureSerializer(serializers.Serializer):
    team = serializers.IntegerField(source="team.pk")
    name = serializers.CharField(source="team.name")
    figure = FigureSerializer()


class PredictabilitySerializer(serializers.Serializer):
    pi = serializers.IntegerField(source="pi.pk")
    art = FigureSerializer(help_text="Pooled over every team's objectives.")
    mean_of_teams = serializers.FloatField(
        source="predictability.mean_of_teams", allow_null=True, help_text="Mean of the teams' percentages."
    )
    teams = TeamFigureSerializer(many=True)


# --- backlog: WSJF and pulling into a PI -------------------------------------------------------------


class FeatureWsjfSerializer(serializers.ModelSerializer):
    cost_of_delay = serializers.IntegerField(allow_null=True, read_only=True)
    wsjf = serializers.FloatField(allow_null=True, read_only=True)

    class Meta:
        model = Feature
        fields = [
            "id",
            "title",
            "pi",
            "team",
            "state",
            "business_value",
            "time_criticality",
            "risk_reduction",
            "job_size",
            "cost_of_delay",
            "wsjf",
            "version",
        ]
        read_only_fields = fields


class BacklogRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField(allow_null=True, help_text="Null while a WSJF input is missing.")
    feature = FeatureWsjfSerializer()


class BacklogSerializer(serializers.Serializer):
    in_pi = BacklogRowSerializer(many=True, help_text="The PI's features, ranked by WSJF.")
    not_in_pi = BacklogRowSerializer(many=True, help_text="The train's features in no PI yet, ranked.")


_FIBONACCI = "Modified Fibonacci: 1, 2, 3, 5, 8, 13 or 20; null clears it."


class WsjfSetSerializer(serializers.Serializer):
    """Any of the four WSJF inputs; the ones left out stay as they are."""

    business_value = serializers.IntegerField(allow_null=True, required=False, help_text=_FIBONACCI)
    time_criticality = serializers.IntegerField(allow_null=True, required=False, help_text=_FIBONACCI)
    risk_reduction = serializers.IntegerField(allow_null=True, required=False, help_text=_FIBONACCI)
    job_size = serializers.IntegerField(allow_null=True, required=False, help_text=_FIBONACCI)


class PullSerializer(serializers.Serializer):
    pi = OnTrain(
        queryset=ProgramIncrement.objects.all(), allow_null=True, help_text="Null: take it out of its PI."
    )
    team = OnTrain(
        queryset=Team.objects.all(), allow_null=True, default=None, help_text="Null: in the PI, no team yet."
    )


# --- confidence votes ------------------------------------------------------------------------------


class VoteResultSerializer(serializers.Serializer):
    """§4.2 fist of five: accepted when the mean is 3 or more (null before anyone votes)."""

    voters = serializers.IntegerField()
    mean = serializers.FloatField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField(), help_text='Votes per score, "1"–"5".')
    accepted = serializers.BooleanField(allow_null=True)
    low_scores = serializers.IntegerField(help_text="Voters at 1 or 2, each asked for their concern.")


class MyVoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = ConfidenceVote
        fields = ["score", "concern", "cast_at"]
        read_only_fields = fields


class ConcernSerializer(serializers.ModelSerializer):
    voter = serializers.CharField(source="voter.username")
    voter_name = serializers.SerializerMethodField()
    risk = serializers.SerializerMethodField(help_text="The risk the RTE raised from it, if any.")

    class Meta:
        model = ConfidenceVote
        fields = ["id", "voter", "voter_name", "score", "concern", "risk"]
        read_only_fields = fields

    def get_voter_name(self, vote) -> str:
        return vote.voter.get_full_name() or vote.voter.get_username()

    def get_risk(self, vote) -> int | None:
        risk = getattr(vote, "risk", None)  # the reverse one-to-one raises when there is none
        return risk.pk if risk else None


class VoteRoundSerializer(serializers.Serializer):
    """One round on a team's plan (or the ART's, `team` null), with its result so far.

    `votes` must be the round's votes (the view prefetches them); `user_id` in the context picks
    out the caller's own vote.
    """

    id = serializers.IntegerField()
    pi = serializers.IntegerField(source="pi_id")
    team = serializers.IntegerField(source="team_id", allow_null=True, help_text="Null: the ART's plan.")
    number = serializers.IntegerField()
    is_open = serializers.BooleanField()
    opened_at = serializers.DateTimeField()
    opened_by = serializers.SerializerMethodField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closed_by = serializers.SerializerMethodField()
    result = serializers.SerializerMethodField()
    my_vote = serializers.SerializerMethodField()
    concerns = serializers.SerializerMethodField()

    def get_opened_by(self, vote_round) -> str | None:
        return _person(vote_round.opened_by)

    def get_closed_by(self, vote_round) -> str | None:
        return _person(vote_round.closed_by)

    @extend_schema_field(VoteResultSerializer)
    def get_result(self, vote_round) -> dict:
        summary = vote_summary(vote.score for vote in vote_round.votes.all())
        return VoteResultSerializer(
            {**summary.__dict__, "counts": {str(k): v for k, v in summary.counts.items()}}
        ).data

    @extend_schema_field(MyVoteSerializer(allow_null=True))
    def get_my_vote(self, vote_round) -> dict | None:
        user_id = self.context.get("user_id")
        mine = next((vote for vote in vote_round.votes.all() if vote.voter_id == user_id), None)
        return MyVoteSerializer(mine).data if mine else None

    @extend_schema_field(ConcernSerializer(many=True))
    def get_concerns(self, vote_round) -> list:
        # Lowest score first: those are the ones the room must hear (as on the page).
        raised = sorted(
            (vote for vote in vote_round.votes.all() if vote.concern),
            key=lambda vote: (vote.score, vote.cast_at, vote.pk),
        )
        return ConcernSerializer(raised, many=True).data


class VoteRoundOpenSerializer(serializers.Serializer):
    team = OnTrain(queryset=Team.objects.all(), allow_null=True, help_text="Null: a vote on the ART's plan.")


class VoteCastSerializer(serializers.Serializer):
    score = serializers.IntegerField(help_text="1 (no confidence) to 5 (very confident).")
    concern = serializers.CharField(
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="What worries you. Empty keeps what you wrote before.",
    )


class VoteConcernSerializer(serializers.Serializer):
    concern = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text='"" clears it.')


# --- baseline and plan vs now ------------------------------------------------------------------------


class BaselineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pi = serializers.IntegerField(source="pi_id")
    committed_at = serializers.DateTimeField()
    committed_by = serializers.SerializerMethodField()
    plan = serializers.JSONField(
        help_text="The plan as committed: features (team, iteration), objectives (planned value, "
        "linked features) and dependencies, with ids and names."
    )

    def get_committed_by(self, baseline) -> str | None:
        return _person(baseline.committed_by)


class BaselineSummarySerializer(BaselineSerializer):
    """Which commit a comparison is against (without its plan)."""

    plan = None


@extend_schema_field(OpenApiTypes.OBJECT)
class SnapshotRow(serializers.DictField):
    """A row of a plan snapshot (a feature, objective or dependency), as the baseline stores it."""


class ChangeSerializer(serializers.Serializer):
    was = SnapshotRow(allow_null=True, help_text="As committed; null: added since.")
    now = SnapshotRow(allow_null=True, help_text="As it is now; null: dropped since.")


class PlanVsNowSerializer(serializers.Serializer):
    """What changed since the latest commit. `baseline` null: the plan was never committed."""

    baseline = BaselineSummarySerializer(allow_null=True)
    change_count = serializers.IntegerField()
    features_moved = ChangeSerializer(many=True)
    features_added = ChangeSerializer(many=True)
    features_dropped = ChangeSerializer(many=True)
    objectives_added = ChangeSerializer(many=True)
    objectives_dropped = ChangeSerializer(many=True)
    objectives_changed = ChangeSerializer(many=True)
    dependencies_added = ChangeSerializer(many=True)
    dependencies_dropped = ChangeSerializer(many=True)
    dependencies_changed = ChangeSerializer(many=True)
