"""Routes of the hospital staff's pages (/rumah-sakit/…)."""

from __future__ import annotations

from django.urls import path

from patriot.referrals.views import beds as views

urlpatterns = [
    path("tempat-tidur/", views.my_beds, name="referrals-my-beds"),
    path("tempat-tidur/ubah/", views.tap, name="referrals-tap"),
]
