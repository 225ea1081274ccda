"""URLs of the landing page, signing in and out, the page of roles whose module is not there yet, the system
admin's background jobs page, and the language switch."""

from __future__ import annotations

from django.urls import include, path

from patriot.core import views

urlpatterns = [
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", views.LogoutView.as_view(), name="logout"),
    path("mulai/belum-tersedia/", views.module_pending, name="module-pending"),
    path("sistem/pekerjaan/", views.jobs, name="core-jobs"),
    path("i18n/", include("django.conf.urls.i18n")),
]
