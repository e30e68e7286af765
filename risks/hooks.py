"""Figures that apps built on risks add to the Inspect & Adapt review.

Imports run trains ← planning ← risks ← metrics, so risks cannot read metrics' figures (nor its
table) itself. An app above registers a provider (metrics does, in its AppConfig.ready) and the
review shows what the providers return for the PI, in the order they registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from planning.models import ProgramIncrement


@dataclass(frozen=True)
class ReviewFigure:
    """One figure as the review shows it: already formatted, with the day it was computed for."""

    label: str
    value: str
    day: date


_providers: list[Callable[[ProgramIncrement], list[ReviewFigure]]] = []


def on_review_figures(provider: Callable[[ProgramIncrement], list[ReviewFigure]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def review_figures(pi: ProgramIncrement) -> list[ReviewFigure]:
    return [figure for provider in list(_providers) for figure in provider(pi)]
