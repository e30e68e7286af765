"""What the running-the-PI API modules share: people named by username, ids checked against the
train, list ordering that pages stably, and the check-then-call shape of every write.

People are named by their username (as `/memberships/` lists them), never by a database id a
client cannot discover. A related id in a body must name a row of the train in the URL: anything
else is refused as invalid (422), like an unknown id.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import filters, serializers

from trains.models import Train

from ..selectors import train_members


def _train(field: serializers.Field) -> Train:
    return field.context["view"].train


class Person(serializers.SlugRelatedField):
    """A person by username: one holding a role on the train, when written."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "A username.")
        if not kwargs.get("read_only"):
            kwargs.setdefault("queryset", get_user_model().objects.none())  # the train's, per request
        super().__init__(slug_field="username", **kwargs)

    def get_queryset(self):
        return train_members(_train(self))


class OfTrain(serializers.PrimaryKeyRelatedField):
    """An id of one of the train's rows: a `model` reached from the train through `path`."""

    def __init__(self, model, path: str = "train", **kwargs):
        self.model, self.path = model, path
        kwargs.setdefault("queryset", model.objects.none())  # the model, for the schema
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.filter(**{self.path: _train(self)})


class StableOrdering(filters.OrderingFilter):
    """`?ordering=` over the view's `ordering_fields`, always ending on the primary key, so equal
    values page in a fixed order (cursor pages resume after the last row they showed)."""

    def get_ordering(self, request, queryset, view):
        ordering = list(super().get_ordering(request, queryset, view) or ())
        if not any(name.lstrip("-") == "pk" for name in ordering):
            ordering.append("pk")
        return tuple(ordering)


def allow(view, allowed: bool, message: str) -> None:
    """Refuse (403) before reading the body, as the pages do: the predicate is the service's own."""
    view.access.require(allowed, message)
