"""Delivery events under /api/v1/trains/<slug>/: deployments, incidents, defects, and their CSV import."""

from django.urls import path

from . import delivery

urlpatterns = [
    path("deployments/", delivery.DeploymentList.as_view(), name="deployment-list"),
    path("deployments/<id:pk>/", delivery.DeploymentDetail.as_view(), name="deployment-detail"),
    path("incidents/", delivery.IncidentList.as_view(), name="incident-list"),
    path("incidents/<id:pk>/", delivery.IncidentDetail.as_view(), name="incident-detail"),
    path("defects/", delivery.DefectList.as_view(), name="defect-list"),
    path("defects/<id:pk>/", delivery.DefectDetail.as_view(), name="defect-detail"),
    path("delivery/import/", delivery.DeliveryImport.as_view(), name="delivery-import"),
]
