"""Routes of Dinkes' page (/dinkes/)."""

from __future__ import annotations

from django.urls import path

from patriot.referrals.views import dinkes as views
from patriot.referrals.views import dinkes_referrals

urlpatterns = [
    path("", views.dashboard, name="referrals-dinkes"),
    path("rujukan.csv", dinkes_referrals.referrals_csv, name="referrals-dinkes-csv"),
]
