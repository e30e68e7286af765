"""Presentation of survey figures: a mean of 1–5 answers (its bar is risks_tags.bar_width)."""

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
