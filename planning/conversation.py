"""What of planning takes comments (trains.conversation): features, in their board dialog, and
dependencies, in theirs. Registered by PlanningConfig.ready."""

from django.urls import reverse

from trains.conversation.registry import Commentable, commentable

from .models import Dependency, Feature


def register() -> None:
    commentable(
        Commentable(
            kind="feature",
            model=Feature,
            train_id=lambda feature: feature.train_id,
            link=lambda feature, slug: reverse("planning:feature_edit", args=[slug, feature.pk]),
            label=lambda feature: f"feature “{feature.title}”",
        )
    )
    commentable(
        Commentable(
            kind="dependency",
            model=Dependency,
            # The dependency's PI is read with it wherever a dependency is commented on (select_related).
            train_id=lambda dependency: dependency.pi.train_id,
            link=lambda dependency, slug: reverse("planning:dependency_edit", args=[slug, dependency.pk]),
            label=lambda dependency: f"dependency “{dependency.description}”",
        )
    )
