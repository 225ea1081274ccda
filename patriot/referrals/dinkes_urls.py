"""Routes of Dinkes' page (/dinkes/)."""

from __future__ import annotations

from django.urls import path

from patriot.referrals.views import dinkes as views

urlpatterns = [
    path("", views.dashboard, name="referrals-dinkes"),
]
