from django.urls import path  # noqa: F401

app_name = "plans"

urlpatterns: list = []

from plans.urls_indicators import urlpatterns as indicator_urlpatterns  # noqa: E402

urlpatterns += indicator_urlpatterns

from plans.urls_documents import urlpatterns as document_urlpatterns  # noqa: E402

urlpatterns += document_urlpatterns
