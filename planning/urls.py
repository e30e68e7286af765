from django.urls import path

from .views import board

app_name = "planning"

urlpatterns = [
    path("board/", board.board, name="board"),
    path("board/changes/", board.board_changes, name="board_changes"),
    path("board/dependencies/", board.board_dependencies, name="board_dependencies"),
    path("board/features/new/", board.feature_edit, name="feature_new"),
    path("board/features/<int:feature_id>/edit/", board.feature_edit, name="feature_edit"),
    path("board/features/<int:feature_id>/move/", board.feature_move, name="feature_move"),
    path("board/dependencies/new/", board.dependency_edit, name="dependency_new"),
    path("board/dependencies/<int:dependency_id>/edit/", board.dependency_edit, name="dependency_edit"),
    path("board/milestones/new/", board.milestone_edit, name="milestone_new"),
    path("board/milestones/<int:milestone_id>/edit/", board.milestone_edit, name="milestone_edit"),
]

# PI Planning: every screen lives under planning/ and takes the PI as ?pi=. One block per screen.
