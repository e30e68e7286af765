"""Which models take comments: the apps above trains register theirs in AppConfig.ready (imports run
trains ← planning ← risks, so trains names none of them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Model


@dataclass(frozen=True)
class Commentable:
    """A kind of item people comment on.

    `train_id` says whose train an item is on (for the permission check) without a query where the
    row carries it; `link` is the path where the item and its comments are shown; `label` names the
    item in an inbox line or a mail ("feature “Checkout v2”").
    """

    kind: str
    model: type[Model]
    train_id: Callable[[Model], int]
    link: Callable[[Model, str], str]
    label: Callable[[Model], str]


_by_kind: dict[str, Commentable] = {}


def commentable(spec: Commentable) -> None:
    _by_kind[spec.kind] = spec


def by_kind(kind: str) -> Commentable | None:
    return _by_kind.get(kind)


def for_instance(target: Model) -> Commentable:
    for spec in _by_kind.values():
        if isinstance(target, spec.model):
            return spec
    raise TypeError(
        f"{type(target).__name__} takes no comments: register it with trains.conversation.registry"
    )
