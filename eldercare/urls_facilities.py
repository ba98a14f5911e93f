from django.urls import path

from eldercare.views import facilities as v

facility_urlpatterns = [
    path("facilities/", v.facility_list, name="facility_list"),
    path("facilities/new/", v.facility_create, name="facility_create"),
    path("facilities/export/", v.facility_export, name="facility_export"),
    path("facilities/import/", v.facility_import, name="facility_import"),
    path("facilities/coverage/", v.coverage, name="coverage"),
    path("facilities/dashboard/", v.dashboard, name="facility_dashboard"),
    path("facilities/<int:pk>/", v.facility_detail, name="facility_detail"),
    path("facilities/<int:pk>/edit/", v.facility_edit, name="facility_edit"),
    path("facilities/<int:pk>/staff/", v.facility_staff_add, name="facility_staff_add"),
    path("facilities/<int:pk>/beds/", v.bed_add, name="facility_bed_add"),
    path("facilities/<int:pk>/beds/<int:bed_id>/", v.bed_update, name="facility_bed_update"),
    path("facilities/<int:pk>/admit/", v.resident_admit, name="facility_admit"),
    path("facilities/<int:pk>/stays/<int:stay_id>/discharge/", v.resident_discharge, name="facility_discharge"),
    path("facilities/<int:pk>/stays/<int:stay_id>/transfer/", v.resident_transfer, name="facility_transfer"),
    path("facilities/<int:pk>/caregivers/", v.caregiver_add, name="facility_caregiver_add"),
    path(
        "facilities/<int:pk>/caregivers/<int:caregiver_id>/leave/", v.caregiver_leave, name="facility_caregiver_leave"
    ),
    path("facilities/<int:pk>/blacklist/", v.blacklist_add, name="blacklist_add"),
    path("portal/", v.portal_home, name="portal_home"),
    path("portal/<int:pk>/", v.portal_facility, name="portal_facility"),
    path("portal/<int:pk>/beds/", v.bed_add, {"portal": True}, name="portal_bed_add"),
    path("portal/<int:pk>/beds/<int:bed_id>/", v.bed_update, {"portal": True}, name="portal_bed_update"),
    path("portal/<int:pk>/admit/", v.resident_admit, {"portal": True}, name="portal_admit"),
    path(
        "portal/<int:pk>/stays/<int:stay_id>/discharge/",
        v.resident_discharge,
        {"portal": True},
        name="portal_discharge",
    ),
    path(
        "portal/<int:pk>/stays/<int:stay_id>/transfer/", v.resident_transfer, {"portal": True}, name="portal_transfer"
    ),
    path("portal/<int:pk>/caregivers/", v.caregiver_add, {"portal": True}, name="portal_caregiver_add"),
    path(
        "portal/<int:pk>/caregivers/<int:caregiver_id>/leave/",
        v.caregiver_leave,
        {"portal": True},
        name="portal_caregiver_leave",
    ),
    path("residents/", v.residency_list, name="residency_list"),
    path("residents/export/", v.residency_export, name="residency_export"),
    path("caregivers/", v.caregiver_list, name="caregiver_list"),
    path("caregivers/export/", v.caregiver_export, name="caregiver_export"),
    path("caregivers/import/", v.caregiver_import, name="caregiver_import"),
    path("caregivers/certification/", v.certification_by_facility, name="certification"),
    path("supervision/", v.inspection_list, name="inspection_list"),
    path("supervision/export/", v.inspection_export, name="inspection_export"),
    path("supervision/inspections/<int:pk>/", v.inspection_detail, name="inspection_detail"),
    path("supervision/inspections/<int:pk>/publish/", v.inspection_publish, name="inspection_publish"),
    path("supervision/findings/<int:pk>/rectify/", v.finding_rectify, name="finding_rectify"),
    path("supervision/draws/new/", v.draw_create, name="draw_create"),
    path("supervision/overdue/", v.findings_overdue_run, name="findings_overdue_run"),
    path("supervision/draws/<int:pk>/", v.draw_detail, name="draw_detail"),
    path("supervision/inspectors/", v.inspector_list, name="inspector_list"),
    path("supervision/credit/", v.credit_list, name="credit_list"),
    path("supervision/blacklist/<int:pk>/remove/", v.blacklist_remove, name="blacklist_remove"),
    path("supervision/results/", v.published_results, name="published_results"),
]
