"""URLs of computing indicators (included in plans/urls.py)."""

from django.urls import path

from plans.views import indicators as views

urlpatterns = [
    path("indicators/", views.indicator_dashboard_home, name="indicator_dashboard_home"),
    path("<int:pk>/indicators/", views.indicator_dashboard, name="indicator_dashboard"),
    path("<int:pk>/indicators/recompute/", views.plan_recompute, name="plan_recompute"),
    path("<int:pk>/indicators/export.xlsx", views.indicator_export, name="indicator_export"),
    path("<int:pk>/indicators/<str:key>/", views.indicator_detail, name="indicator_detail"),
    path("<int:pk>/indicators/<str:key>/formula/", views.formula_edit, name="formula_edit"),
    path("manual-values/", views.manual_value_list, name="manual_value_list"),
    path("manual-values/new/", views.manual_value_create, name="manual_value_create"),
    path("manual-values/import/", views.manual_value_import, name="manual_value_import"),
    path("manual-values/template/", views.manual_value_template, name="manual_value_template"),
    path("manual-values/<int:value_id>/delete/", views.manual_value_delete, name="manual_value_delete"),
    path("data-items/", views.data_item_list, name="data_item_list"),
]
