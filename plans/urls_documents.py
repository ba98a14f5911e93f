"""URLs of plan documents (included in plans/urls.py)."""

from django.urls import path

from plans.views import documents as views

urlpatterns = [
    path("", views.plan_list, name="plan_list"),
    path("upload/", views.plan_upload, name="plan_upload"),
    path("upload/confirm/", views.plan_confirm, name="plan_confirm"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/diff/", views.version_diff, name="version_diff"),
    path("<int:pk>/projects/<str:key>/progress/", views.project_progress, name="project_progress"),
    path("<int:pk>/evaluation/<str:stage>/", views.evaluation, name="evaluation"),
    path("<int:pk>/evaluation/<str:stage>/notes/<str:key>/", views.evaluation_note, name="evaluation_note"),
    path("<int:pk>/evaluation/<str:stage>/export.xlsx", views.evaluation_xlsx, name="evaluation_xlsx"),
    path("<int:pk>/evaluation/<str:stage>/export.pdf", views.evaluation_pdf, name="evaluation_pdf"),
]
