"""Outgoing webhooks of a train: services (subscribe, emit, deliver), the RTE's pages and forms.
The models are trains.models.Webhook and WebhookDelivery; the delivery task is trains.tasks."""
