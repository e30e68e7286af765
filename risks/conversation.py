"""What of risks takes comments (trains.conversation): risks and impediments, on their pages.
Registered by RisksConfig.ready."""

from django.urls import reverse

from trains.conversation.registry import Commentable, commentable

from .models import Impediment, Risk


def register() -> None:
    commentable(
        Commentable(
            kind="risk",
            model=Risk,
            train_id=lambda risk: risk.train_id,
            link=lambda risk, slug: reverse("risks:risk_detail", args=[slug, risk.pk]),
            label=lambda risk: f"risk “{risk.title}”",
        )
    )
    commentable(
        Commentable(
            kind="impediment",
            model=Impediment,
            train_id=lambda impediment: impediment.train_id,
            link=lambda impediment, slug: reverse("risks:impediment_detail", args=[slug, impediment.pk]),
            label=lambda impediment: f"impediment “{impediment.title}”",
        )
    )
