"""Routes of the Open311 GeoReport v2 server (/open311/v2/….json or .xml)."""

from __future__ import annotations

from django.urls import re_path

from patriot.open311 import views

app_name = "open311"

_FORMAT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(rf"^discovery{_FORMAT}", views.discovery, name="discovery"),
    re_path(rf"^services{_FORMAT}", views.service_list, name="services"),
    re_path(rf"^services/(?P<code>[^/]+?){_FORMAT}", views.service_definition, name="service"),
    re_path(rf"^requests{_FORMAT}", views.requests, name="requests"),
    re_path(rf"^requests/(?P<request_id>[^/]+?){_FORMAT}", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[^/]+?){_FORMAT}", views.token, name="token"),
    re_path(r"^(?P<path>.*)$", views.not_found, name="not_found"),
]
