"""The product's URLs plus the bench's floor: a minimal view that does only the move's guarded UPDATE.

Served only while bench.board measures (override_settings), never by the product.
"""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from artops.urls import urlpatterns as product
from planning.models import Feature
from planning.services.board import move_guards


@login_required
@require_POST
def move_floor(request, feature_id: int) -> HttpResponse:
    """What a move cannot do without: the signed-in request (session, middleware, CSRF) and the
    move's guarded UPDATE (planning.services.board.move_guards), committed. No permission check, no
    answer beyond the status."""
    team_id, iteration_id = int(request.POST["team"]), int(request.POST["iteration"])
    # The move's own guards, for a card not done (the bench moves one).
    guards = move_guards(team_id=team_id, iteration_id=iteration_id, done=False, today=timezone.localdate())
    with transaction.atomic():
        moved = Feature.objects.filter(*guards, pk=feature_id, version=int(request.POST["version"])).update(
            team_id=team_id, iteration_id=iteration_id, version=F("version") + 1, updated_at=timezone.now()
        )
    return HttpResponse(status=204 if moved else 409)


urlpatterns = [*product, path("bench/move-floor/<int:feature_id>/", move_floor, name="bench_move_floor")]
