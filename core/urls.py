from django.urls import path

from core.views import admin, auth, home, households, jobs, people, regions

app_name = "core"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("people/", people.person_list, name="person_list"),
    path("people/new/", people.person_create, name="person_create"),
    path("people/export/", people.person_export, name="person_export"),
    path("people/import/", jobs.person_import, name="person_import"),
    path("people/import/template/", jobs.person_import_template, name="person_import_template"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", people.person_edit, name="person_edit"),
    path("people/<int:pk>/death/", people.person_death, name="person_death"),
    path("households/", households.household_list, name="household_list"),
    path("households/new/", households.household_create, name="household_create"),
    path("households/<int:pk>/", households.household_detail, name="household_detail"),
    path("households/<int:pk>/candidates/", households.household_candidates, name="household_candidates"),
    path("households/<int:pk>/members/add/", households.household_add_member, name="household_add_member"),
    path(
        "households/<int:pk>/members/<int:person_pk>/remove/",
        households.household_remove_member,
        name="household_remove_member",
    ),
    path("households/<int:pk>/members/<int:person_pk>/head/", households.household_set_head, name="household_set_head"),
    path(
        "households/<int:pk>/members/<int:person_pk>/move/",
        households.household_move_member,
        name="household_move_member",
    ),
    path("regions/", regions.region_detail, name="region_root"),
    path("regions/<str:code>/", regions.region_detail, name="region_detail"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<int:pk>/", jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>/confirm/", jobs.person_import_confirm, name="person_import_confirm"),
    path("files/<int:pk>/", jobs.stored_file_download, name="file_download"),
    path("audit/", admin.audit_list, name="audit_list"),
    path("audit/verify/", admin.audit_verify, name="audit_verify"),
    path("policy/", admin.policy_list, name="policy_list"),
    path("calendar/", admin.calendar_view, name="calendar"),
    path("calendar/<str:date>/delete/", admin.calendar_delete, name="calendar_delete"),
    path("users/", admin.user_list, name="user_list"),
    path("users/<int:pk>/", admin.user_detail, name="user_detail"),
    path("grants/<int:pk>/revoke/", admin.grant_revoke, name="grant_revoke"),
]
