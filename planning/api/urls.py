from django.urls import include, path

app_name = "planning-api"

# Two halves, each in its own module: the program board (PIs, features, dependencies, milestones,
# the board read) and running PI Planning (stories, capacity, objectives, votes, baseline).
urlpatterns = [
    path("", include("planning.api.board_urls")),
    path("", include("planning.api.planning_urls")),
    # Delivery events: deployments, incidents, defects (planning/api/delivery.py).
    path("", include("planning.api.delivery_urls")),
]
