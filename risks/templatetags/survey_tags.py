"""Presentation of survey figures: a mean of 1–5 answers, and its place on a bar of the scale."""

from __future__ import annotations

from fractions import Fraction

from django import template

register = template.Library()


@register.filter
def score(value: Fraction | float | None) -> str:
    """A mean to two decimals ("4.17"): one decimal would show 4.17 as 4.2, the target it misses."""
    if value is None:
        return "—"
    return f"{float(value):.2f}"


@register.filter
def bar_width(value: float | None) -> str:
    """A share of the scale (0–100) as a CSS length, for a style attribute."""
    if value is None:
        return "0%"
    return f"{max(0.0, min(100.0, float(value))):.1f}%"
