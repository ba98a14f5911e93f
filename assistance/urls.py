from django.urls import path  # noqa: F401

app_name = "assistance"

urlpatterns: list = []

from assistance.urls_applications import urlpatterns as _applications  # noqa: E402

urlpatterns += _applications

from assistance.urls_verification import urlpatterns as _verification  # noqa: E402

urlpatterns += _verification
from assistance.urls_cases import urlpatterns as _cases  # noqa: E402

urlpatterns += _cases
