"""What the program board's half of the API reads and writes: PIs and their iterations, features,
dependencies (with their computed health), milestones, and the board itself.

Read serializers give a resource as it is; input serializers check only the shape of a body (types,
choices, ids of rows on the caller's train). The rules are the services' (planning/services/).
"""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from planning.health import Health, with_health
from planning.models import (
    Dependency,
    Feature,
    Iteration,
    Milestone,
    PIReopening,
    ProgramIncrement,
)
from planning.services import DEPENDENCY_FIELDS
from planning.services.lifecycle import MAX_ITERATIONS, MIN_ITERATIONS, NEXT_STATE
from trains.models import Team

BIGINT = 2**63 - 1


class OnTrain(serializers.PrimaryKeyRelatedField):
    """The id of a row on the caller's train (the view's); an id elsewhere is refused as unknown."""

    def __init__(self, model, train_path: str, **kwargs):
        self.model, self.train_path = model, train_path
        super().__init__(queryset=model.objects.all(), **kwargs)

    def get_queryset(self):
        return self.model.objects.filter(**{self.train_path: self.context["view"].train})

    def to_internal_value(self, data):
        if isinstance(data, str) and data.isascii() and data.isdigit():
            data = int(data)
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 0 < data <= BIGINT:  # no row has it (and the database would refuse to compare)
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class TrainUser(serializers.SlugRelatedField):
    """A person on the caller's train, by username (as the memberships list names them)."""

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", queryset=get_user_model().objects.all(), **kwargs)

    def get_queryset(self):
        return get_user_model().objects.filter(memberships__train=self.context["view"].train).distinct()


# --- PIs and iterations ------------------------------------------------------------------------


class IterationSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True, help_text="I1, I2, … or IP.")

    class Meta:
        model = Iteration
        fields = ["id", "number", "label", "start_date", "end_date", "is_ip"]
        read_only_fields = ["id", "number", "is_ip"]


class DateSpanSerializer(serializers.Serializer):
    """New dates; one left out keeps its current value."""

    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)


class ReopeningSerializer(serializers.ModelSerializer):
    reopened_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PIReopening
        fields = ["reopened_at", "reopened_by", "reason"]


class PISerializer(serializers.ModelSerializer):
    iterations = IterationSerializer(many=True, read_only=True)
    business_owners = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    reopenings = ReopeningSerializer(many=True, read_only=True)
    next_state = serializers.SerializerMethodField(help_text="Where the RTE can move it next (none: closed).")

    class Meta:
        model = ProgramIncrement
        fields = [
            "id",
            "name",
            "state",
            "next_state",
            "start_date",
            "end_date",
            "committed_at",
            "board_version",
            "business_owners",
            "iterations",
            "reopenings",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=ProgramIncrement.State.choices, allow_null=True))
    def get_next_state(self, pi) -> str | None:
        return NEXT_STATE.get(pi.state)


class PICreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, help_text="Unique on the train, e.g. “PI 2027.1”.")
    start_date = serializers.DateField(help_text="The first day of the first iteration.")
    iteration_count = serializers.IntegerField(
        min_value=MIN_ITERATIONS,
        max_value=MAX_ITERATIONS,
        required=False,
        help_text="How many iterations, the last being IP (default: the train's cadence).",
    )


class PICloseSerializer(serializers.Serializer):
    confirm_unscored = serializers.BooleanField(
        default=False,
        help_text="Close even though some objectives have no actual business value yet (as the PI page asks).",
    )


class PIReopenSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, allow_blank=True, help_text="Why the closed record must change; kept on the PI."
    )


class BusinessOwnersSerializer(serializers.Serializer):
    business_owners = serializers.ListField(
        child=TrainUser(), max_length=500, help_text="Usernames of people holding the Business Owner role."
    )


# --- features ----------------------------------------------------------------------------------


class FeatureSerializer(serializers.ModelSerializer):
    cost_of_delay = serializers.IntegerField(read_only=True, allow_null=True)
    wsjf = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Feature
        fields = [
            "id",
            "title",
            "kind",
            "state",
            "pi",
            "team",
            "iteration",
            "business_value",
            "time_criticality",
            "risk_reduction",
            "job_size",
            "cost_of_delay",
            "wsjf",
            "is_blocked",
            "description",
            "acceptance_criteria",
            "version",
            "created_at",
            "updated_at",
            "state_changed_at",
            "started_at",
            "done_at",
        ]
        read_only_fields = fields


class FeatureFieldsSerializer(serializers.ModelSerializer):
    """The fields a feature's edit changes (planning.services.FEATURE_FIELDS)."""

    class Meta:
        model = Feature
        fields = [
            "title",
            "description",
            "acceptance_criteria",
            "kind",
            "business_value",
            "time_criticality",
            "risk_reduction",
            "job_size",
        ]


class FeatureCreateSerializer(FeatureFieldsSerializer):
    """A new feature: its fields, where it is planned (all optional) and its state."""

    pi = OnTrain(ProgramIncrement, "train", required=False, allow_null=True)
    team = OnTrain(Team, "train", required=False, allow_null=True)
    iteration = OnTrain(Iteration, "pi__train", required=False, allow_null=True)
    state = serializers.ChoiceField(choices=Feature.State.choices, required=False)

    class Meta(FeatureFieldsSerializer.Meta):
        fields = [*FeatureFieldsSerializer.Meta.fields, "pi", "team", "iteration", "state"]


class RowId(serializers.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=BIGINT, allow_null=True, **kwargs)


class FeatureMoveSerializer(serializers.Serializer):
    """Where the card goes: a team and an iteration of its PI, or neither (the unplanned lane)."""

    team = RowId()
    iteration = RowId()

    def validate(self, data):
        if (data["team"] is None) != (data["iteration"] is None):
            raise serializers.ValidationError(
                "Choose both a team and an iteration, or neither to unplan the feature."
            )
        return data


class FeatureStateSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=Feature.State.choices)


class FeatureBlockedSerializer(serializers.Serializer):
    blocked = serializers.BooleanField()
    reason = serializers.CharField(max_length=200, allow_blank=True, default="")


# --- dependencies and milestones ---------------------------------------------------------------


class DependencySerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)
    health = serializers.SerializerMethodField(
        help_text="conflict (red), at_risk (amber), healthy, or resolved: computed by the server."
    )

    class Meta:
        model = Dependency
        fields = [
            "id",
            "pi",
            *DEPENDENCY_FIELDS,
            "health",
            "version",
            "created_at",
            "updated_at",
            "resolved_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Health.choices))
    def get_health(self, dependency) -> str:
        if hasattr(dependency, "health"):
            return dependency.health
        # A record not read through with_health (the current one a stale write is answered with).
        return with_health(Dependency.objects.filter(pk=dependency.pk)).values_list("health", flat=True)[0]


class DependencyWriteSerializer(serializers.ModelSerializer):
    """A dependency's fields (planning.services.DEPENDENCY_FIELDS); ids of rows on the train."""

    requesting_team = OnTrain(Team, "train")
    providing_team = OnTrain(Team, "train")
    requesting_feature = OnTrain(Feature, "train", required=False, allow_null=True)
    providing_feature = OnTrain(Feature, "train", required=False, allow_null=True)
    needed_by_iteration = OnTrain(Iteration, "pi__train", required=False, allow_null=True)
    owner = TrainUser(required=False, allow_null=True)

    class Meta:
        model = Dependency
        fields = [
            "requesting_team",
            "providing_team",
            "requesting_feature",
            "providing_feature",
            "needed_by_iteration",
            "description",
            "kind",
            "state",
            "owner",
        ]


class DependencyCreateSerializer(DependencyWriteSerializer):
    pi = OnTrain(ProgramIncrement, "train")

    class Meta(DependencyWriteSerializer.Meta):
        fields = ["pi", *DependencyWriteSerializer.Meta.fields]


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["id", "pi", "name", "date", "kind", "description", "version"]
        read_only_fields = fields


class MilestoneWriteSerializer(serializers.ModelSerializer):
    class Meta:
        model = Milestone
        fields = ["name", "date", "kind", "description"]


class MilestoneCreateSerializer(MilestoneWriteSerializer):
    pi = OnTrain(ProgramIncrement, "train")

    class Meta(MilestoneWriteSerializer.Meta):
        fields = ["pi", *MilestoneWriteSerializer.Meta.fields]


# --- the board ---------------------------------------------------------------------------------


class BoardQuerySerializer(serializers.Serializer):
    """The board page's filters; the strings and their counts are always the whole PI's."""

    team = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=BIGINT,
        help_text="Only this team's row (and the unplanned lane).",
    )
    kind = serializers.ChoiceField(choices=Feature.Kind.choices, required=False)
    state = serializers.ChoiceField(choices=Feature.State.choices, required=False)
    red = serializers.BooleanField(required=False, default=False, help_text="Only cards on a red string.")


class BoardPISerializer(serializers.ModelSerializer):
    class Meta:
        model = ProgramIncrement
        fields = ["id", "name", "state", "start_date", "end_date", "board_version"]


class BoardTeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "kind", "position"]


class BoardCardSerializer(FeatureSerializer):
    """A card: the feature and what the board shows beside it (with_card_figures)."""

    points = serializers.IntegerField(help_text="Story points of its stories.")
    dependency_count = serializers.IntegerField()
    objective_count = serializers.IntegerField()
    uncommitted_objective_count = serializers.IntegerField()
    on_red_string = serializers.BooleanField(help_text="One end of a dependency in conflict.")

    class Meta(FeatureSerializer.Meta):
        fields = [
            "id",
            "title",
            "kind",
            "state",
            "team",
            "iteration",
            "business_value",
            "time_criticality",
            "risk_reduction",
            "job_size",
            "cost_of_delay",
            "wsjf",
            "is_blocked",
            "version",
            "points",
            "dependency_count",
            "objective_count",
            "uncommitted_objective_count",
            "on_red_string",
        ]
        read_only_fields = fields


class BoardMilestoneSerializer(MilestoneSerializer):
    iteration = serializers.IntegerField(help_text="The column it is drawn in.")

    class Meta(MilestoneSerializer.Meta):
        fields = ["id", "name", "date", "kind", "description", "version", "iteration"]
        read_only_fields = fields


class BoardStringSerializer(serializers.Serializer):
    """A dependency as the board draws it: from the providing card to the requesting one."""

    id = serializers.IntegerField()
    providing_feature = serializers.IntegerField(allow_null=True)
    requesting_feature = serializers.IntegerField(allow_null=True)
    providing_team = serializers.IntegerField()
    requesting_team = serializers.IntegerField()
    needed_by_iteration = serializers.IntegerField(allow_null=True)
    state = serializers.ChoiceField(choices=Dependency.State.choices)
    health = serializers.ChoiceField(choices=Health.choices)
    version = serializers.IntegerField()
    label = serializers.CharField(help_text="Who needs what from whom by when, in words.")


class BoardSerializer(serializers.Serializer):
    pi = BoardPISerializer()
    teams = BoardTeamSerializer(many=True)
    iterations = IterationSerializer(many=True)
    cards = BoardCardSerializer(
        many=True, help_text="Planned cards by team and iteration, then the unplanned lane by WSJF."
    )
    milestones = BoardMilestoneSerializer(many=True)
    strings = BoardStringSerializer(many=True, help_text="Every dependency of the PI.")
    red_count = serializers.IntegerField(help_text="Strings in conflict.")
    amber_count = serializers.IntegerField(help_text="Strings at risk.")
    feature_count = serializers.IntegerField(help_text="Cards shown (after the filters).")
