"""URL map: the landing page, case pages, the admin, the JSON API under /api/v1 and a health check."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.generic import RedirectView

from patriot.api import api
from patriot.core.views import home


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


urlpatterns = [
    path("", home, name="home"),
    path("", include("patriot.core.urls")),
    path("", include("patriot.accounts.urls")),
    path("", include("patriot.cases.urls")),
    path("", include("patriot.opscentre.urls")),
    path("events/", include("patriot.events.urls")),
    path("akun/", include("patriot.citizens.urls")),
    path("callcentre/", include("patriot.callcentre.urls")),
    path("open311/v2/", include("patriot.open311.urls")),
    # The admin's own login form would skip the second factor: everyone signs in through /masuk/.
    path("admin/login/", RedirectView.as_view(pattern_name="login", query_string=True)),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("healthz", healthz),
]
