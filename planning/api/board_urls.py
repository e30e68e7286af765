"""The program board's half of planning's API, under /api/v1/trains/<slug>/."""

from django.urls import path

from . import board, board_dependencies, board_pis

urlpatterns = [
    path("pis/", board_pis.PIList.as_view(), name="pi-list"),
    path("pis/<id:pk>/", board_pis.PIDetail.as_view(), name="pi-detail"),
    path("pis/<id:pk>/start-planning/", board_pis.PIStartPlanning.as_view(), name="pi-start-planning"),
    path("pis/<id:pk>/execute/", board_pis.PIExecute.as_view(), name="pi-execute"),
    path("pis/<id:pk>/close/", board_pis.PIClose.as_view(), name="pi-close"),
    path("pis/<id:pk>/reopen/", board_pis.PIReopen.as_view(), name="pi-reopen"),
    path("pis/<id:pk>/business-owners/", board_pis.PIBusinessOwners.as_view(), name="pi-business-owners"),
    path("pis/<id:pi_id>/iterations/<id:pk>/", board_pis.IterationDetail.as_view(), name="iteration-detail"),
    path("pis/<id:pk>/board/", board.PIBoard.as_view(), name="pi-board"),
    path("features/", board.FeatureList.as_view(), name="feature-list"),
    path("features/<id:pk>/", board.FeatureDetail.as_view(), name="feature-detail"),
    path("features/<id:pk>/move/", board.FeatureMove.as_view(), name="feature-move"),
    path("features/<id:pk>/state/", board.FeatureState.as_view(), name="feature-state"),
    path("features/<id:pk>/blocked/", board.FeatureBlocked.as_view(), name="feature-blocked"),
    path("dependencies/", board_dependencies.DependencyList.as_view(), name="dependency-list"),
    path("dependencies/<id:pk>/", board_dependencies.DependencyDetail.as_view(), name="dependency-detail"),
    path("milestones/", board_dependencies.MilestoneList.as_view(), name="milestone-list"),
    path("milestones/<id:pk>/", board_dependencies.MilestoneDetail.as_view(), name="milestone-detail"),
]
