"""The second sign-in step (/masuk/kode/), enrolment at sign-in for roles that must have it, and staff's /keamanan/.

Until the code is right nobody is signed in: the session holds only the id of the person whose password was
right, for PATRIOT_TOTP_PENDING_SECONDS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from patriot.accounts import totp
from patriot.accounts.auth import SignedInRequest
from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import TotpDevice, User
from patriot.accounts.throttle import refused_wait
from patriot.core import queries
from patriot.core.errors import DomainError
from patriot.core.views import home_for

PENDING_KEY = "second_factor_pending"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Kode"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def refuse(self, error: DomainError) -> int:
        self.add_error("code", error.message)
        return error.status_code


def hold_for_second_factor(request: HttpRequest, user: User, next_url: str) -> HttpResponse | None:
    """Called once the password is right: None to sign in now, else the way to the code (or enrolment) step."""
    if not totp.second_step_needed(user):
        return None
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,  # type: ignore[attr-defined]  # set by authenticate() on the user it returns
        "next": next_url,
        "until": time.time() + settings.PATRIOT_TOTP_PENDING_SECONDS,
    }
    return redirect("login-code" if totp.confirmed_device(user) else "login-enrol")


def _pending(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    data = request.session.get(PENDING_KEY)
    if not data:
        return None
    user = User.objects.filter(pk=data["user"], is_active=True).first()
    if data["until"] < time.time() or user is None:
        del request.session[PENDING_KEY]
        return None
    return user, data


def _start_over(request: HttpRequest) -> HttpResponse:
    messages.warning(request, _("Waktu untuk memasukkan kode habis. Masuk lagi dengan kata sandi Anda."))
    return redirect("login")


def _sign_in(request: HttpRequest, user: User, data: dict[str, Any]) -> None:
    login(request, user, backend=data["backend"])
    request.session.pop(PENDING_KEY, None)


@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return _start_over(request)
    user, data = pending
    device = totp.confirmed_device(user)
    if device is None:
        # An administrator reset the device while this sign-in waited.
        if totp.is_required(user):
            return redirect("login-enrol")
        _sign_in(request, user, data)
        return redirect(data["next"])
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                used_recovery = totp.verify(device, form.cleaned_data["code"])
            except DomainError as error:
                status = form.refuse(error)
            else:
                _sign_in(request, user, data)
                if used_recovery:
                    left = totp.recovery_codes_left(device)
                    messages.warning(
                        request,
                        ngettext(
                            "Satu kode pemulihan terpakai; tersisa %(count)d. Buat kode baru di halaman Keamanan akun.",
                            "Satu kode pemulihan terpakai; tersisa %(count)d. Buat kode baru di halaman Keamanan akun.",
                            left,
                        )
                        % {"count": left},
                    )
                return redirect(data["next"])
    return render(request, "accounts/login_code.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def login_enrol(request: HttpRequest) -> HttpResponse:
    pending = _pending(request)
    if pending is None:
        return _start_over(request)
    user, data = pending
    if totp.confirmed_device(user) is not None:
        return redirect("login-code")
    device = totp.start_enrolment(user)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                codes = totp.confirm_enrolment(device, form.cleaned_data["code"])
            except DomainError as error:
                status = form.refuse(error)
            else:
                _sign_in(request, user, data)
                return _recovery_codes_page(request, codes, next_url=data["next"])
    context = {"form": form, "action": reverse("login-enrol"), **_enrolment(device)}
    return render(request, "accounts/login_enrol.html", context, status=status)


def _enrolment(device: TotpDevice) -> dict[str, Any]:
    """What a person needs to add the account to an authenticator app: the secret, the otpauth:// address, a QR."""
    uri = totp.provisioning_uri(device)
    secret = totp.secret_of(device)
    qr = segno.make(uri, error="m").svg_inline(scale=4, border=2, title=_("Kode QR untuk aplikasi autentikator"))
    return {
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "uri": uri,
        "qr": mark_safe(qr),  # noqa: S308 (segno's own SVG of our own otpauth:// address)
    }


def _recovery_codes_page(request: HttpRequest, codes: list[str], *, next_url: str) -> HttpResponse:
    # Rendered straight from the POST (no redirect): the codes exist nowhere else in plain text.
    response = render(request, "accounts/recovery_codes.html", {"codes": codes, "next_url": next_url})
    response.headers["Cache-Control"] = "no-store"
    return response


# --- a signed-in member of staff's own page ----------------------------------------------------


def _staff(request: SignedInRequest) -> User:
    user: User = request.user
    if not totp.may_use(user):
        raise Http404
    return user


def _security_page(request: SignedInRequest, form: CodeForm | None = None, status: int = 200) -> HttpResponse:
    user = _staff(request)
    device = TotpDevice.objects.filter(user=user).first()
    context: dict[str, Any] = {
        "device": device,
        "required": totp.is_required(user),
        "form": form or CodeForm(),
    }
    if device is not None and device.confirmed_at is None:
        context.update(_enrolment(device), action=reverse("security-confirm"))
    elif device is not None:
        context["codes_left"] = totp.recovery_codes_left(device)
    response = render(request, "accounts/security.html", context, status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET"])
def security(request: SignedInRequest) -> HttpResponse:
    return _security_page(request)


@login_required
@require_POST
def security_start(request: SignedInRequest) -> HttpResponse:
    try:
        totp.start_enrolment(_staff(request))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("security")


@login_required
@require_POST
def security_confirm(request: SignedInRequest) -> HttpResponse:
    user = _staff(request)
    device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=True).first()
    if device is None:
        return redirect("security")
    return _new_recovery_codes(request, device, totp.confirm_enrolment, _("Verifikasi dua langkah aktif."))


@login_required
@require_POST
def security_recovery_codes(request: SignedInRequest) -> HttpResponse:
    device = totp.confirmed_device(_staff(request))
    if device is None:
        return redirect("security")
    return _new_recovery_codes(
        request, device, totp.regenerate_recovery_codes, _("Kode pemulihan baru dibuat; kode lama tidak berlaku lagi.")
    )


def _new_recovery_codes(
    request: SignedInRequest, device: TotpDevice, action: Callable[[TotpDevice, str], list[str]], done: str
) -> HttpResponse:
    """Checks the posted code through `action` (which returns fresh recovery codes) and shows the codes once."""
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _security_page(request, form, status=400)
    try:
        codes = action(device, form.cleaned_data["code"])
    except DomainError as error:
        return _security_page(request, form, status=form.refuse(error))
    messages.success(request, done)
    return _recovery_codes_page(request, codes, next_url=reverse("security"))


@login_required
@require_POST
def security_turn_off(request: SignedInRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if not form.is_valid():
        return _security_page(request, form, status=400)
    try:
        totp.turn_off(_staff(request), form.cleaned_data["code"])
    except DomainError as error:
        return _security_page(request, form, status=form.refuse(error))
    messages.success(request, _("Verifikasi dua langkah dimatikan."))
    return redirect("security")


# --- signing in and out, and the pages of a role -------------------------------------------


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form, saying so plainly when the login throttle (accounts.throttle) asks the person to wait."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": gettext_lazy("Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["username"].label = gettext_lazy("Nama pengguna")
        self.fields["password"].label = gettext_lazy("Kata sandi")

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if username and "@" in username:
            # Citizens sign in with their email, which is stored in lower case.
            self.cleaned_data["username"] = username.strip().lower()
        try:
            return super().clean()
        except ValidationError:
            # The backend answers a throttled attempt like a wrong password; tell the person what is going on instead.
            if wait := refused_wait(self.request):
                raise self.throttled_error(wait) from None
            raise

    @staticmethod
    def throttled_error(seconds: int) -> ValidationError:
        return ValidationError(
            ngettext(
                "Terlalu banyak percobaan masuk. Coba lagi dalam %(seconds)d detik.",
                "Terlalu banyak percobaan masuk. Coba lagi dalam %(seconds)d detik.",
                seconds,
            ),
            code="throttled",
            params={"seconds": seconds},
        )


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_for(self.request.user)  # type: ignore[arg-type]  # called once the login form signed the user in

    def form_valid(self, form: LoginForm) -> HttpResponse:  # type: ignore[override]  # the view's form_class is LoginForm
        user = form.get_user()
        # The session opens only after the second factor, for those who have or need one.
        second_step = hold_for_second_factor(self.request, user, self.get_redirect_url() or home_for(user))
        return second_step or super().form_valid(form)


class LogoutView(auth_views.LogoutView):
    next_page = "home"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, gettext_lazy("Anda sudah keluar."))
        return response


@login_required
def module_pending(request: SignedInRequest) -> HttpResponse:
    """Where staff of a role no app serves yet (the health roles, until their apps exist) land after signing in."""
    return render(request, "core/module_pending.html", {"role_label": RoleChoices.label(request.user.role)})


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    """The background jobs `patriot worker` runs: interval, last run, duration, last error. System admins only."""
    if request.user.role != RoleChoices.SYSTEM_ADMIN:  # type: ignore[union-attr]
        raise PermissionDenied
    return render(request, "core/jobs.html", {"jobs": queries.job_statuses()})
