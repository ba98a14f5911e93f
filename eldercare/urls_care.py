"""URLs of the care side (mounted under /eldercare/ by eldercare/urls.py)."""

from django.urls import path

from eldercare.views import care

care_urlpatterns = [
    path("care/assessments/", care.assessment_list, name="assessment_list"),
    path("care/assessments/new/", care.assessment_create, name="assessment_create"),
    path("care/assessments/dashboard/", care.assessment_dashboard, name="assessment_dashboard"),
    path("care/assessments/<int:pk>/", care.assessment_detail, name="assessment_detail"),
    path("care/allowances/", care.allowance_list, name="allowance_list"),
    path("care/allowances/suspensions/", care.suspension_list, name="suspension_list"),
    path("care/allowances/suspensions/new/", care.suspension_create, name="suspension_create"),
    path("care/allowances/suspensions/<int:pk>/end/", care.suspension_end, name="suspension_end"),
    path("care/waitlist/", care.waitlist, name="waitlist"),
    path("care/waitlist/applications/", care.application_list, name="application_list"),
    path("care/waitlist/expire/", care.offers_expire, name="offers_expire"),
    path("care/waitlist/new/", care.application_create, name="application_create"),
    path("care/waitlist/<int:pk>/", care.application_detail, name="application_detail"),
    path("care/waitlist/<int:pk>/offer/", care.offer_create, name="offer_create"),
    path("care/waitlist/<int:pk>/withdraw/", care.application_withdraw, name="application_withdraw"),
    path("care/waitlist/offers/<int:pk>/reply/", care.offer_reply, name="offer_reply"),
    path("care/homecare/", care.homecare_list, name="homecare_list"),
    path("care/homecare/new/", care.homecare_create, name="homecare_create"),
    path("care/homecare/report/", care.homecare_report, name="homecare_report"),
    path("care/homecare/<int:pk>/", care.homecare_detail, name="homecare_detail"),
    path("care/homecare/<int:pk>/visits/", care.visit_create, name="visit_create"),
    path("care/homecare/<int:pk>/close/", care.homecare_close, name="homecare_close"),
    path("care/homecare/visits/<int:pk>/", care.visit_action, name="visit_action"),
]
