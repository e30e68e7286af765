from rest_framework import serializers

from trains.models import Membership, Team, Train


class TrainSerializer(serializers.ModelSerializer):
    class Meta:
        model = Train
        fields = ["slug", "name", "description", "iteration_length_days", "iterations_per_pi", "created_at"]


class TrainWithRolesSerializer(TrainSerializer):
    """A train as its caller sees it: with the roles they hold on it."""

    my_roles = serializers.SerializerMethodField()

    class Meta(TrainSerializer.Meta):
        fields = [*TrainSerializer.Meta.fields, "my_roles"]

    def get_my_roles(self, train) -> list[dict]:
        access = self.context["access"]
        return [{"role": role, "team": team} for role, team in sorted(access.grants, key=str)]


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "kind", "position"]


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.SerializerMethodField()

    class Meta:
        model = Membership
        fields = ["id", "username", "name", "role", "team"]

    def get_name(self, membership) -> str:
        return membership.user.get_full_name() or membership.user.get_username()
