"""The landing page, signing in and out, error pages that show the request id, and the operations endpoints
(/healthz, /readyz, /metrics)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from patriot.accounts.auth import SignedInRequest
from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.accounts.throttle import refused_wait
from patriot.accounts.views import hold_for_second_factor
from patriot.core import health, metrics, queries, registry


def home_for(user: User) -> str:
    """The URL a user lands on after signing in: the start page an app registered for the role (core.registry);
    staff whose module is not there yet land on a page that says so, a citizen on the landing page."""
    url_name = registry.start_page(user.role)
    if url_name:
        return reverse(url_name)
    return reverse("module-pending") if user.is_staff_role else "/"


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


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


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form, saying so plainly when the login throttle (accounts.throttle) asks the person to wait."""

    error_messages = {
        **auth_forms.AuthenticationForm.error_messages,
        "invalid_login": _("Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Nama pengguna")
        self.fields["password"].label = _("Kata sandi")

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
        messages.success(request, _("Anda sudah keluar."))
        return response


# --- operations ---------------------------------------------------------------------------


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process answers; nothing else is checked (load balancers restart on this, so it must not flap)."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Whether this process should get traffic: 200 when every check holds, 503 otherwise."""
    ready, body = health.readiness()
    response = JsonResponse(body, status=200 if ready else 503)
    # The access line records it; without this Django would log every probe of a not-ready process as an error.
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's own flag: log_response skips a logged response
    return response


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics.may_scrape(request):
        return HttpResponse(
            str(_("Metrik hanya untuk alamat yang diizinkan atau dengan token.")),
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


# --- error pages ----------------------------------------------------------------------------


def _error_page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, {"request_id": getattr(request, "request_id", "")}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, "400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, "403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _error_page(request, "404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors and no base layout: they may need the database that just failed.
    body = render_to_string("500.html", {"request_id": getattr(request, "request_id", "")})
    return HttpResponse(body, status=500)
