"""URL map: the landing page, case pages, the admin, the JSON API under /api/v1, health, readiness and metrics."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from patriot.api import api
from patriot.core import registry
from patriot.core import views as core_views

handler400 = "patriot.core.views.bad_request"
handler403 = "patriot.core.views.permission_denied"
handler404 = "patriot.core.views.page_not_found"
handler500 = "patriot.core.views.server_error"

urlpatterns = [
    path("", core_views.home, name="home"),
    # First of the prefixes: no page's URL starts with it, and an API request (phones, devices) then meets the
    # API's patterns without first trying every page pattern of the apps mounted at "".
    path("api/v1/", api.urls),
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
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", core_views.metrics_view, name="metrics"),
]
# Pages of apps that plug in without a line here (core.registry.register_urls), in the order they registered.
urlpatterns += [path(prefix, include(urlconf)) for prefix, urlconf in registry.url_modules()]
