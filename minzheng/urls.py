from django.urls import include, path

from minzheng.api import api

urlpatterns = [
    path("api/", api.urls),
    path("payroll/", include("payments.urls")),
    path("assistance/", include("assistance.urls")),
    path("eldercare/", include("eldercare.urls")),
    path("plans/", include("plans.urls")),
    path("", include("core.urls")),
]
