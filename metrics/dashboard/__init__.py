"""What the metrics dashboard shows, built from stored snapshots only (never computed in the request).

Each card pairs a chart (metrics/charts.py) with where its numbers come from: when they were
computed, the moment they describe, and what they were computed from.

The page and its cards (page), the headline tiles (tiles), the charts of one PI (pi_charts), the
Delivery section (delivery) and what they share (common). The page's entry points are re-exported
here: views call `dashboard.pi_dashboard`, `dashboard.across_pis` and `dashboard.delivery_section`.
"""

from .delivery import DeliverySection, delivery_section
from .page import Card, PIDashboard, TeamRow, across_pis, pi_dashboard
from .tiles import Tile

__all__ = [
    "Card",
    "DeliverySection",
    "PIDashboard",
    "TeamRow",
    "Tile",
    "across_pis",
    "delivery_section",
    "pi_dashboard",
]
