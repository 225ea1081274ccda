"""Routes of the referral pages (/rujukan/…): referring facilities, receiving hospitals, Dinkes."""

from __future__ import annotations

from django.urls import path

from patriot.referrals.views import referrals as views

urlpatterns = [
    path("", views.home, name="referrals-home"),
    path("masuk/", views.incoming, name="referrals-incoming"),
    path("keluar/", views.outgoing, name="referrals-outgoing"),
    path("semua/", views.all_referrals, name="referrals-all"),
    path("baru/", views.new, name="referrals-new"),
    path("icd10/", views.icd10_search, name="referrals-icd10"),
    path("diagnosis-primer/", views.primary_care, name="referrals-primary-care"),
    path("<int:pk>/", views.detail, name="referrals-detail"),
    path("<int:pk>/transportasi/", views.transport, name="referrals-transport"),
    path("<int:pk>/kirim/", views.send, name="referrals-send"),
    path("<int:pk>/jawab/", views.answer, name="referrals-answer"),
    path("<int:pk>/langkah/", views.step, name="referrals-step"),
    path("<int:pk>/lampiran/<int:attachment>/", views.attachment, name="referrals-attachment"),
]
