"""URLs of applications, case plans and the resident's pages (included from urls.py)."""

from django.urls import path

from assistance.views import applications as views
from assistance.views import case_plans as plans

urlpatterns = [
    path("applications/", views.application_list, name="application_list"),
    path("applications/new/", views.application_create, name="application_create"),
    path("applications/overdue/", views.application_overdue, name="application_overdue"),
    path("applications/<int:pk>/", views.application_detail, name="application_detail"),
    path("applications/<int:pk>/notice.pdf", views.application_notice, name="application_notice"),
    path("applications/<int:pk>/<slug:action>/", views.application_step, name="application_step"),
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/new/", plans.plan_create, name="plan_create"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/<slug:action>/", plans.plan_action, name="plan_action"),
    path("my/", views.resident_home, name="resident_home"),
    path("my/applications/<int:pk>/", views.resident_application, name="resident_application"),
    path("my/applications/<int:pk>/notice.pdf", views.resident_notice, name="resident_notice"),
]
