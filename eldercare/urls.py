from django.urls import path  # noqa: F401

app_name = "eldercare"

urlpatterns: list = []

from eldercare.urls_community import community_urlpatterns  # noqa: E402

urlpatterns += community_urlpatterns

from eldercare.urls_facilities import facility_urlpatterns  # noqa: E402

urlpatterns += facility_urlpatterns

from eldercare.urls_care import care_urlpatterns  # noqa: E402

urlpatterns += care_urlpatterns
