"""A train's outgoing webhooks over HTTP: list, subscribe (the secret is answered once), read, change,
delete, the delivery log and redeliver. The RTE's only, as on the webhooks page: a target URL often
carries a credential of its own, so nobody else on the train reads them either (403).

Every write calls trains.webhooks.services as the caller; a webhook is versioned (ETag / If-Match).
"""

from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from trains.models import Webhook, WebhookDelivery, WebhookEvent
from trains.webhooks import services

from .base import IF_MATCH, ErrorSerializer, TrainScoped, if_match
from .pagination import Page

WHO = "The train's Release Train Engineer only (403 for every other role on the train)."


def refusals(*codes: int) -> dict:
    return dict.fromkeys(codes, ErrorSerializer)


class WebhookSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices))

    class Meta:
        model = Webhook
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "created_at",
            "updated_at",
            "version",
        ]


class WebhookCreatedSerializer(WebhookSerializer):
    """The new webhook with its secret: the one time the API shows it."""

    secret = serializers.CharField()

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), max_length=20)
    description = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    secret = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Leave out to have one made (whsec_…)."
    )


class WebhookChangeSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=500, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEvent.choices), max_length=20, required=False
    )
    description = serializers.CharField(max_length=120, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, help_text="true turns a disabled webhook back on.")


class AttemptSerializer(serializers.Serializer):
    attempt = serializers.IntegerField()
    at = serializers.DateTimeField()
    status = serializers.IntegerField(
        allow_null=True, help_text="The response's status; null when none came."
    )
    duration_ms = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)


class DeliverySerializer(serializers.ModelSerializer):
    attempt_log = AttemptSerializer(many=True)
    payload = serializers.JSONField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "uuid",
            "event",
            "event_id",
            "state",
            "attempts",
            "response_status",
            "duration_ms",
            "error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "attempt_log",
            "payload",
            "redelivery_of",
        ]


class _RteOnly(TrainScoped):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        services.require_webhook_manager(request.user, self.train.pk)


class WebhookList(_RteOnly, generics.ListAPIView):
    serializer_class = WebhookSerializer
    queryset = Webhook.objects.all()

    @extend_schema(
        summary="The train's webhooks",
        description=WHO,
        responses={200: WebhookSerializer, **refusals(403, 404)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Subscribe a URL to some of the train's events",
        description=f"{WHO} The answer holds the secret that signs every delivery: the only time it is shown.",
        request=WebhookCreateSerializer,
        responses={201: WebhookCreatedSerializer, **refusals(403, 422)},
        examples=[
            OpenApiExample(
                "Board moves and red strings to chat",
                value={
                    "url": "https://chat.example.com/hooks/artops",
                    "events": ["feature.moved", "dependency.red"],
                    "description": "Release train channel",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request, slug):
        body = WebhookCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        webhook, secret = services.webhook_create(train=self.train, actor=request.user, **body.validated_data)
        return Response({**WebhookSerializer(webhook).data, "secret": secret}, status=201)


class WebhookDetail(_RteOnly, generics.GenericAPIView):
    serializer_class = WebhookSerializer
    queryset = Webhook.objects.all()

    @extend_schema(
        summary="One webhook", description=WHO, responses={200: WebhookSerializer, **refusals(403, 404)}
    )
    def get(self, request, slug, pk):
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(
        summary="Change a webhook, pause it or turn it back on",
        description=f"{WHO} Turning on a webhook disabled for failing clears its failures.",
        parameters=[IF_MATCH],
        request=WebhookChangeSerializer,
        responses={200: WebhookSerializer, **refusals(403, 404, 412, 422, 428)},
        examples=[OpenApiExample("Turn it back on", value={"is_active": True}, request_only=True)],
    )
    def patch(self, request, slug, pk):
        webhook = self.get_object()
        expected = if_match(request)
        body = WebhookChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fields = {
            "url": webhook.url,
            "events": webhook.events,
            "description": webhook.description,
            "is_active": webhook.is_active,
            **body.validated_data,
        }
        webhook = services.webhook_update(
            webhook=webhook, expected_version=expected, actor=request.user, **fields
        )
        return Response(self.get_serializer(webhook).data)

    @extend_schema(
        summary="Delete a webhook and its delivery log",
        description=WHO,
        parameters=[IF_MATCH],
        responses={204: None, **refusals(403, 404, 412, 428)},
    )
    def delete(self, request, slug, pk):
        webhook = self.get_object()
        services.webhook_delete(webhook=webhook, expected_version=if_match(request), actor=request.user)
        return Response(status=204)


class NewestFirst(Page):
    ordering = "-pk"


class DeliveryFilter(filters.FilterSet):
    class Meta:
        model = WebhookDelivery
        fields = ["state", "event"]


class DeliveryList(_RteOnly, generics.ListAPIView):
    serializer_class = DeliverySerializer
    queryset = WebhookDelivery.objects.all()
    train_path = "webhook__train"
    pagination_class = NewestFirst
    filterset_class = DeliveryFilter

    def get_queryset(self):
        return super().get_queryset().filter(webhook_id=self.kwargs["pk"])

    @extend_schema(
        summary="A webhook's delivery log, newest first",
        description=f"{WHO} Each delivery with every attempt: when, the response code, the duration.",
        responses={200: DeliverySerializer, **refusals(403, 404, 422)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DeliveryRedeliver(_RteOnly, generics.GenericAPIView):
    serializer_class = DeliverySerializer
    queryset = WebhookDelivery.objects.select_related("webhook")
    train_path = "webhook__train"

    def get_queryset(self):
        return super().get_queryset().filter(webhook_id=self.kwargs["webhook_id"])

    @extend_schema(
        summary="Send a delivery's event again",
        description=f"{WHO} A new delivery of the same event (same payload and event id), sent at once; "
        "refused (422) while the webhook is off.",
        request=None,
        responses={202: DeliverySerializer, **refusals(403, 404, 422)},
    )
    def post(self, request, slug, webhook_id, pk):
        again = services.delivery_redeliver(delivery=self.get_object(), actor=request.user)
        return Response(self.get_serializer(again).data, status=202)
