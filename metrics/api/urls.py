app_name = "metrics-api"

urlpatterns = []
