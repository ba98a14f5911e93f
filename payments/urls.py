from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    path("", views.run_list, name="run_list"),
    path("<int:pk>/", views.run_detail, name="run_detail"),
    path("<int:pk>/approve/", views.run_approve, name="run_approve"),
    path("<int:pk>/export/", views.run_export, name="run_export"),
    path("<int:pk>/return/", views.run_return, name="run_return"),
    path("<int:pk>/reissue/", views.run_reissue, name="run_reissue"),
    path("<int:pk>/resume/", views.run_resume, name="run_resume"),
    path("<int:pk>/changes/", views.run_changes, name="run_changes"),
    path("accounts/<int:person_pk>/", views.account_edit, name="account_edit"),
]
