from django.urls import path

from assistance.views import verification as v

urlpatterns = [
    path("verification/batches/", v.fact_batch_list, name="fact_batch_list"),
    path("verification/batches/<int:pk>/", v.fact_batch_detail, name="fact_batch_detail"),
    path("verification/import/", v.fact_import, name="fact_import"),
    path("verification/import/template/", v.fact_import_template, name="fact_import_template"),
    path("verification/import/<int:pk>/", v.fact_import_status, name="fact_import_status"),
    path("verification/import/<int:pk>/confirm/", v.fact_import_confirm, name="fact_import_confirm"),
    path("verification/reports/", v.report_list, name="report_list"),
    path("verification/reports/<int:pk>/", v.report_detail, name="report_detail"),
    path("verification/new/", v.verification_new, name="verification_new"),
    path("reviews/", v.review_list, name="review_list"),
    path("reviews/schedule/", v.review_schedule, name="review_schedule"),
    path("reviews/<int:pk>/", v.review_detail, name="review_detail"),
    path("reviews/<int:pk>/verify/", v.review_verify, name="review_verify"),
    path("reviews/<int:pk>/cancel/", v.review_cancel_view, name="review_cancel"),
    path("reviews/<int:pk>/notice.pdf", v.review_notice, name="review_notice"),
]
