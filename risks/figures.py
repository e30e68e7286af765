"""The one figure the running-the-PI screens compute themselves: demo readiness.

Predictability (§4.1) and percentages are planning's rules (planning/calculations.py), used here as
they are; ``None`` means "no figure" (shown as "—"), never 0.
"""

from __future__ import annotations

from planning.calculations import share


def demo_readiness(*, shown_as_expected: int, planned: int) -> float | None:
    """% of the planned demo items shown as expected; no planned item: no figure."""
    return share(shown_as_expected, planned)
