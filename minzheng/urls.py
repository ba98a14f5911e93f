from django.urls import include, path

from minzheng.api import api

urlpatterns = [
    path("api/", api.urls),
    path("payroll/", include("payments.urls")),
    path("", include("core.urls")),
]
