"""Routes of the public bed board (/tempat-tidur/)."""

from __future__ import annotations

from django.urls import path

from patriot.referrals import views

urlpatterns = [
    path("", views.board, name="referrals-board"),
]
