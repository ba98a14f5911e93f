"""URLs of the community services (included by eldercare/urls.py under /eldercare/)."""

from django.urls import path

from eldercare.views import community as v

community_urlpatterns = [
    path("meals/", v.meal_dashboard, name="meal_dashboard"),
    path("meals/enrolments/", v.meal_enrolment_list, name="meal_enrolment_list"),
    path("meals/enrolments/new/", v.meal_enrolment_create, name="meal_enrolment_create"),
    path("meals/enrolments/<int:pk>/end/", v.meal_enrolment_end, name="meal_enrolment_end"),
    path("meals/daily/", v.meal_daily, name="meal_daily"),
    path("meals/daily/import/", v.meal_import, name="meal_import"),
    path("meals/counts/", v.meal_count_list, name="meal_count_list"),
    path("meals/settlements/", v.meal_settlement_list, name="meal_settlement_list"),
    path("meals/settlements/compute/", v.meal_settlement_compute, name="meal_settlement_compute"),
    path("meals/settlements/<int:pk>/", v.meal_settlement_detail, name="meal_settlement_detail"),
    path("meals/settlements/<int:pk>/confirm/", v.meal_settlement_confirm, name="meal_settlement_confirm"),
    path("advice/", v.advice_list, name="advice_list"),
    path("advice/new/", v.advice_create, name="advice_create"),
    path("advice/<int:pk>/", v.advice_detail, name="advice_detail"),
    path("advice/<int:pk>/follow-up/", v.advice_follow_up, name="advice_follow_up"),
    path("peer/", v.peer_coverage, name="peer_coverage"),
    path("peer/pairs/", v.peer_pair_list, name="peer_pair_list"),
    path("peer/pairs/new/", v.peer_pair_create, name="peer_pair_create"),
    path("peer/pairs/<int:pk>/", v.peer_pair_detail, name="peer_pair_detail"),
    path("peer/pairs/<int:pk>/visits/", v.peer_visit_create, name="peer_visit_create"),
    path("peer/pairs/<int:pk>/end/", v.peer_pair_end, name="peer_pair_end"),
    path("peer/visits/", v.peer_visit_list, name="peer_visit_list"),
    path("peer/childless/", v.childless_list, name="childless_list"),
    path("adaptations/", v.adaptation_list, name="adaptation_list"),
    path("adaptations/new/", v.adaptation_create, name="adaptation_create"),
    path("adaptations/<int:pk>/", v.adaptation_detail, name="adaptation_detail"),
    path("adaptations/<int:pk>/<slug:action>/", v.adaptation_action, name="adaptation_action"),
]
