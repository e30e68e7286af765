from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from trains.http import HtmxHttpRequest

from .selectors import (
    pis_for_train,
    teams_with_members,
    train_for_user,
    train_level_memberships,
    trains_for_user,
)


@login_required
def train_list(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "trains/train_list.html", {"trains": trains_for_user(request.user)})


@login_required
def train_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    train, access = train_for_user(request.user, slug)
    return render(
        request,
        "trains/train_detail.html",
        {
            "train": train,
            "access": access,
            "pis": pis_for_train(train),
            "teams": teams_with_members(train),
            "train_members": train_level_memberships(train),
            # The RTE is told here too when a webhook was turned off for failing (trains/webhooks).
            "disabled_webhooks": list(train.webhooks.filter(disabled_at__isnull=False))
            if access.is_rte
            else [],
        },
    )
