"""Citizen account pages: register, verify email and phone, my reports, notifications, account, personal data."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patriot.accounts.auth import SignedInRequest
from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.forms import TrackForm
from patriot.cases.models import Case
from patriot.cases.services import reporter_key_for
from patriot.cases.views.citizen import SESSION_KEYS
from patriot.citizens import queries, services
from patriot.citizens.forms import (
    ChangeEmailForm,
    ChangePhoneForm,
    DeleteAccountForm,
    PasswordResetForm,
    PhoneCodeForm,
    PreferencesForm,
    RegistrationForm,
    SetPasswordForm,
)
from patriot.citizens.models import Notification
from patriot.core.errors import DomainError
from patriot.core.ratelimit import client_address, hit

View = Callable[..., HttpResponse]
PASSWORD_RESETS_PER_ADDRESS = 5
PASSWORD_RESET_WINDOW_SECONDS = 900


def citizen_required(view: View) -> View:
    """Signed-in citizens only: others are sent to sign in; staff have their own workspaces (403)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.role != RoleChoices.CITIZEN:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _page(request: SignedInRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    user: User = request.user
    context = {"unread": queries.unread_count(user), "profile": services.profile_for(user), **context}
    return _private(render(request, template, context, status=status))


def _email_link(request: HttpRequest) -> Callable[[str], str]:
    return lambda token: request.build_absolute_uri(reverse("citizens:verify-email", kwargs={"token": token}))


# --- registration and verification ----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request: SignedInRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("citizens:verify" if request.user.role == RoleChoices.CITIZEN else "home")
    form = RegistrationForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.register_citizen(
                    name=data["name"],
                    phone=data["phone"],
                    email=data["email"],
                    password=data["password1"],
                    language=get_language() or "id",
                    client=client_address(request),
                )
            except DomainError as error:
                form.add_domain_error(error)
                status = error.status_code if error.status_code == 429 else 400
            else:
                login(request, user, backend="patriot.accounts.backends.ThrottledModelBackend")
                messages.success(request, _("Akun Anda sudah dibuat. Verifikasi email dan nomor HP Anda."))
                try:
                    services.send_email_verification(user, link_for=_email_link(request))
                except DomainError as error:
                    messages.warning(request, error.message)
                return redirect("citizens:verify")
    return render(request, "citizens/register.html", {"form": form}, status=status)


def _verify_page(
    request: SignedInRequest, *, code_form: PhoneCodeForm | None = None, code_error: str = "", status: int = 200
) -> HttpResponse:
    context = {"code_form": code_form or PhoneCodeForm(), "code_error": code_error}
    return _page(request, "citizens/verify.html", context, status=status)


@require_GET
@citizen_required
def verify(request: SignedInRequest) -> HttpResponse:
    return _verify_page(request)


@require_POST
@citizen_required
def send_email_link(request: SignedInRequest) -> HttpResponse:
    try:
        services.send_email_verification(request.user, link_for=_email_link(request))
    except DomainError as error:
        messages.error(request, error.message)
        return _verify_page(request, status=error.status_code)
    messages.success(request, _("Tautan verifikasi sudah dikirim ke %(email)s.") % {"email": request.user.email})
    return redirect("citizens:verify")


@require_GET
def verify_email(request: SignedInRequest, token: str) -> HttpResponse:
    try:
        services.verify_email(token)
    except DomainError as error:
        return render(request, "citizens/verify_email_failed.html", {"message": error.message}, status=400)
    messages.success(request, _("Email Anda sudah terverifikasi."))
    if request.user.is_authenticated and request.user.role == RoleChoices.CITIZEN:
        return redirect("citizens:verify")
    return redirect("login")


@require_POST
@citizen_required
def send_phone_code(request: SignedInRequest) -> HttpResponse:
    try:
        services.send_phone_code(request.user, client=client_address(request))
    except DomainError as error:
        return _verify_page(request, code_error=error.message, status=error.status_code)
    messages.success(request, _("Kode sudah dikirim lewat SMS. Berlaku 10 menit."))
    return redirect(reverse("citizens:verify") + "#verifikasi-hp")


@require_POST
@citizen_required
def verify_phone(request: SignedInRequest) -> HttpResponse:
    form = PhoneCodeForm(request.POST)
    if form.is_valid():
        try:
            services.verify_phone(request.user, form.cleaned_data["code"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, _("Nomor HP Anda sudah terverifikasi."))
            return redirect("citizens:verify")
    return _verify_page(request, code_form=form, status=400)


# --- my reports and notifications -----------------------------------------------------------------------


@require_GET
@citizen_required
def my_reports(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    services.remember_language(user, get_language() or "id")
    cases = list(queries.my_cases(user)[:200])
    unread = queries.unread_by_case(user)
    rows = [(case, unread.get(case.pk, 0)) for case in cases]
    return _page(request, "citizens/my_reports.html", {"rows": rows})


@require_GET
@citizen_required
def case(request: SignedInRequest, number: str) -> HttpResponse:
    """A citizen's own case opens on its private page (the one the private link leads to), already unlocked; a case
    they follow (a supporter, or the reporter of a merged duplicate) opens on its public page."""
    user: User = request.user
    found = get_object_or_404(Case, tracking_number=number)
    if found.reporter_id != user.pk:
        if not Notification.objects.filter(user=user, case=found).exists():
            raise Http404
        services.mark_read(user, case=found)
        return redirect("track_case", number=number)
    services.mark_read(user, case=found)
    keys = dict(request.session.get(SESSION_KEYS, {}))
    keys[number] = reporter_key_for(found)
    request.session[SESSION_KEYS] = keys
    return redirect("track_case", number=number)


@require_http_methods(["GET", "POST"])
@citizen_required
def notifications(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    if request.method == "POST":
        services.mark_read(user)
        messages.success(request, _("Semua notifikasi ditandai sudah dibaca."))
        return redirect("citizens:notifications")
    items = list(queries.notifications_of(user)[:100])
    return _page(request, "citizens/notifications.html", {"items": items})


# --- account, personal data and deletion ----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@citizen_required
def account(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    profile = services.profile_for(user)
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            services.set_preferences(user, **form.cleaned_data)
            messages.success(request, _("Pengaturan kabar laporan sudah disimpan."))
            return redirect("citizens:account")
        status = 400
    else:
        form = PreferencesForm(initial={"notify_email": profile.notify_email, "notify_sms": profile.notify_sms})
        status = 200
    return _account_page(request, form=form, status=status)


def _account_page(
    request: SignedInRequest,
    *,
    form: PreferencesForm | None = None,
    email_form: ChangeEmailForm | None = None,
    phone_form: ChangePhoneForm | None = None,
    status: int = 200,
) -> HttpResponse:
    if form is None:
        profile = services.profile_for(request.user)
        form = PreferencesForm(initial={"notify_email": profile.notify_email, "notify_sms": profile.notify_sms})
    context = {
        "form": form,
        "email_form": email_form or ChangeEmailForm(),
        "phone_form": phone_form or ChangePhoneForm(),
    }
    return _page(request, "citizens/account.html", context, status=status)


def _change_contact(form: forms.Form, change: Callable[[], object]) -> int | None:
    """Run `change` for a valid form: None when it went through, else the status to answer with (the error is on
    the form, next to its field)."""
    if not form.is_valid():
        return 400
    try:
        change()
    except DomainError as error:
        form.add_domain_error(error)  # type: ignore[attr-defined]  # the contact forms mix in DomainErrorsMixin
        return 429 if error.status_code == 429 else 400
    return None


@require_POST
@citizen_required
def change_email(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    form = ChangeEmailForm(request.POST)
    status = _change_contact(
        form,
        lambda: services.change_email(user, email=form.cleaned_data["email"], password=form.cleaned_data["password"]),
    )
    if status is not None:
        return _account_page(request, email_form=form, status=status)
    messages.success(
        request,
        _(
            "Email Anda sekarang %(email)s. Masuk dengan alamat ini. Sampai tautan verifikasi di email itu "
            "dibuka, laporan Anda tercatat sebagai POT."
        )
        % {"email": user.email},
    )
    try:
        services.send_email_verification(user, link_for=_email_link(request))
    except DomainError as error:
        messages.warning(request, error.message)
    return redirect(reverse("citizens:verify") + "#verifikasi-email")


@require_POST
@citizen_required
def change_phone(request: SignedInRequest) -> HttpResponse:
    user: User = request.user
    form = ChangePhoneForm(request.POST)
    status = _change_contact(
        form,
        lambda: services.change_phone(user, phone=form.cleaned_data["phone"], password=form.cleaned_data["password"]),
    )
    if status is not None:
        return _account_page(request, phone_form=form, status=status)
    messages.success(
        request,
        _(
            "Nomor HP Anda sekarang %(phone)s. Sampai kode SMS ke nomor itu dikonfirmasi, laporan Anda "
            "tercatat sebagai POT."
        )
        % {"phone": user.phone},
    )
    try:
        services.send_phone_code(user, client=client_address(request))
    except DomainError as error:
        messages.warning(request, error.message)
    else:
        messages.success(request, _("Kode sudah dikirim lewat SMS. Berlaku 10 menit."))
    return redirect(reverse("citizens:verify") + "#verifikasi-hp")


@require_GET
@citizen_required
def personal_data(request: SignedInRequest) -> HttpResponse:
    return _page(request, "citizens/data.html", {"delete_form": DeleteAccountForm()})


@require_GET
@citizen_required
def personal_data_download(request: SignedInRequest) -> HttpResponse:
    data = queries.personal_data(request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2), content_type="application/json"
    )
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="patriot-data-saya-{stamp}.json"'
    return _private(response)


@require_POST
@citizen_required
def delete_account(request: SignedInRequest) -> HttpResponse:
    form = DeleteAccountForm(request.POST)
    if form.is_valid():
        try:
            services.delete_account(request.user, password=form.cleaned_data["password"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            logout(request)
            messages.success(request, _("Akun Anda sudah dihapus. Laporan Anda tetap ditangani tanpa identitas Anda."))
            return redirect("home")
    return _page(request, "citizens/data.html", {"delete_form": form}, status=400)


# --- password reset -------------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "citizens/password_reset.html"
    email_template_name = "citizens/email/password_reset.txt"
    subject_template_name = "citizens/email/password_reset_subject.txt"
    success_url = reverse_lazy("citizens:password-reset-sent")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = request.POST.get("email", "").strip().lower()
        if not (
            hit(
                "password-reset-address",
                client_address(request),
                PASSWORD_RESETS_PER_ADDRESS,
                PASSWORD_RESET_WINDOW_SECONDS,
            )
            and hit("password-reset-email", email, 3, PASSWORD_RESET_WINDOW_SECONDS)
        ):
            form = self.get_form()
            form.is_valid()
            form.add_error(
                None,
                _("Terlalu banyak permintaan atur ulang kata sandi. Coba lagi dalam %(minutes)d menit.")
                % {"minutes": PASSWORD_RESET_WINDOW_SECONDS // 60},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "citizens/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "citizens/password_reset_confirm.html"
    success_url = reverse_lazy("citizens:password-reset-done")


class PasswordResetDoneView(auth_views.PasswordResetCompleteView):
    template_name = "citizens/password_reset_done.html"


# --- the private link, sent again (no account needed) -------------------------------------------------


@require_http_methods(["GET", "POST"])
def resend_link(request: HttpRequest) -> HttpResponse:
    """ "Kirim ulang tautan": the private link goes again to the contact the report holds, never to one typed here."""
    form = TrackForm(request.POST or None, initial={"number": request.GET.get("nomor", "")})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.resend_private_link(form.cleaned_data["number"], address=client_address(request))
        except DomainError as error:
            form.add_error(None, error.message)
            status = error.status_code
        else:
            messages.success(
                request,
                _(
                    "Jika laporan itu mencantumkan email atau nomor HP, tautan pribadinya sudah dikirim ke sana. "
                    "Periksa kotak masuk atau SMS Anda."
                ),
            )
            return redirect("citizens:resend-link")
    elif request.method == "POST":
        status = 400
    response = render(request, "citizens/resend_link.html", {"form": form}, status=status)
    response["Cache-Control"] = "no-store"
    return response
