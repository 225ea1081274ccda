"""Routes of the public bed board (/tempat-tidur/)."""

from __future__ import annotations

from django.urls import path

from patriot.referrals.views import beds as views

urlpatterns = [
    path("", views.board, name="referrals-board"),
]
