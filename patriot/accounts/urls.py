"""URLs of signing in and out (with the second step), a member of staff's own security page, the page of roles
whose module is not there yet and the system admin's background jobs page."""

from __future__ import annotations

from django.urls import path

from patriot.accounts import views

urlpatterns = [
    path("masuk/", views.LoginView.as_view(), name="login"),
    path("keluar/", views.LogoutView.as_view(), name="logout"),
    path("masuk/kode/", views.login_code, name="login-code"),
    path("masuk/kode/daftar/", views.login_enrol, name="login-enrol"),
    path("keamanan/", views.security, name="security"),
    path("keamanan/aktifkan/", views.security_start, name="security-start"),
    path("keamanan/konfirmasi/", views.security_confirm, name="security-confirm"),
    path("keamanan/kode-pemulihan/", views.security_recovery_codes, name="security-recovery-codes"),
    path("keamanan/matikan/", views.security_turn_off, name="security-turn-off"),
    path("mulai/belum-tersedia/", views.module_pending, name="module-pending"),
    path("sistem/pekerjaan/", views.jobs, name="core-jobs"),
]
