"""Trains, teams and memberships, read-only: the RTE manages them on the pages and in the admin."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response

from trains.access import train_access
from trains.models import Membership, Team, Train
from trains.selectors import trains_for_user

from .base import Metadata, TrainScoped
from .schema import ApiSchema
from .serializers import MembershipSerializer, TeamSerializer, TrainSerializer, TrainWithRolesSerializer


@extend_schema(summary="The trains you hold a role on", description="Anyone signed in; each train once.")
class TrainList(generics.ListAPIView):
    schema = ApiSchema()
    metadata_class = Metadata
    serializer_class = TrainSerializer
    queryset = Train.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return trains_for_user(self.request.user)


@extend_schema(
    summary="One train, with the roles you hold on it", description="Anyone with a role on the train."
)
class TrainDetail(TrainScoped):
    serializer_class = TrainWithRolesSerializer

    def get(self, request, slug):
        serializer = self.get_serializer(
            self.train, context={"access": train_access(request.user, self.train)}
        )
        return Response(serializer.data)


@extend_schema(summary="The train's teams", description="Anyone with a role on the train.")
class TeamList(TrainScoped, generics.ListAPIView):
    serializer_class = TeamSerializer
    queryset = Team.objects.all()


@extend_schema(summary="One team", description="Anyone with a role on the train.")
class TeamDetail(TrainScoped, generics.RetrieveAPIView):
    serializer_class = TeamSerializer
    queryset = Team.objects.all()


@extend_schema(summary="Who holds which role", description="Anyone with a role on the train.")
class MembershipList(TrainScoped, generics.ListAPIView):
    serializer_class = MembershipSerializer
    filterset_fields = ["role", "team"]
    queryset = Membership.objects.select_related("user")
