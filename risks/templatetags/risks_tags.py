"""Small presentation helpers for the running-the-PI screens: ages, people, percentages."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone

from risks import forms

register = template.Library()


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} min"
    hours = minutes // 60
    if hours < 24:
        return f"{hours} h"
    return f"{hours // 24} d"


@register.filter
def age(since: datetime | None) -> str:
    """How long ago: "12 min", "5 h", "3 d"."""
    if since is None:
        return "—"
    return _span((timezone.now() - since).total_seconds())


@register.simple_tag
def duration(start: datetime | None, end: datetime | None) -> str:
    if start is None or end is None:
        return "—"
    return _span((end - start).total_seconds())


@register.filter
def age_days(since: datetime | None) -> int:
    if since is None:
        return 0
    return (timezone.now() - since).days


@register.filter
def person(user) -> str:
    return "—" if user is None else forms.person(user)


@register.filter
def percent(value: float | None) -> str:
    """A figure on a 0–100 scale, or "—" when there is none (never 0 %)."""
    if value is None:
        return "—"
    return f"{value:.0f} %"


@register.filter
def bar_width(value: float | None) -> str:
    """A width for a progress bar (a share of 0–100), clamped to 0–100 %."""
    if value is None:
        return "0%"
    return f"{max(0.0, min(100.0, float(value))):.1f}%"


@register.filter
def on_scale(value: float | None, top: float = 120) -> str:
    """A position on a 0–`top` % axis, as a CSS percentage (the predictability chart runs to 120 %)."""
    if value is None:
        return "0%"
    return f"{max(0.0, min(float(top), value)) / float(top) * 100:.1f}%"
