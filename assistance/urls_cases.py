from django.urls import path

from assistance import views_cases as views

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/action/", views.case_action, name="case_action"),
    path("cases/<int:pk>/notices/<int:notice_pk>.pdf", views.case_notice_pdf, name="case_notice_pdf"),
    path("payroll/<int:run_pk>/changes/", views.payroll_changes, name="payroll_changes"),
    path("temporary/", views.temporary_list, name="temporary_list"),
    path("temporary/new/", views.temporary_create, name="temporary_create"),
    path("temporary/<int:pk>/", views.temporary_detail, name="temporary_detail"),
    path("temporary/<int:pk>/decide/", views.temporary_decide, name="temporary_decide"),
    path("temporary/<int:pk>/review/", views.temporary_review, name="temporary_review"),
    path("temporary/<int:pk>/pay/", views.temporary_pay, name="temporary_pay"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
