"""Routes of citizen accounts under /akun/."""

from __future__ import annotations

from django.urls import path

from patriot.citizens import views

app_name = "citizens"

urlpatterns = [
    path("", views.account, name="account"),
    path("daftar/", views.register, name="register"),
    path("email/", views.change_email, name="change-email"),
    path("hp/", views.change_phone, name="change-phone"),
    path("verifikasi/", views.verify, name="verify"),
    path("verifikasi/email/kirim/", views.send_email_link, name="send-email-link"),
    path("verifikasi/email/<str:token>/", views.verify_email, name="verify-email"),
    path("verifikasi/hp/kirim/", views.send_phone_code, name="send-phone-code"),
    path("verifikasi/hp/", views.verify_phone, name="verify-phone"),
    path("laporan/", views.my_reports, name="my-reports"),
    path("laporan/<str:number>/", views.case, name="case"),
    path("notifikasi/", views.notifications, name="notifications"),
    path("kirim-ulang-tautan/", views.resend_link, name="resend-link"),
    path("data/", views.personal_data, name="data"),
    path("data/unduh/", views.personal_data_download, name="data-download"),
    path("data/hapus/", views.delete_account, name="delete"),
    path("sandi/lupa/", views.PasswordResetView.as_view(), name="password-reset"),
    path("sandi/terkirim/", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path("sandi/atur/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("sandi/selesai/", views.PasswordResetDoneView.as_view(), name="password-reset-done"),
]
