"""The POC dashboard and its live partials, the mayor's workspace and the weekly summary (reads only)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from patriot.accounts.auth import SignedInRequest
from patriot.accounts.choices import RoleChoices
from patriot.cases.choices import CaseStateChoices, ChannelChoices, SlaStatusChoices
from patriot.cases.models import headline_of
from patriot.cases.permissions import INSTRUCTING_ROLES
from patriot.cases.views.staff import staff_page
from patriot.opscentre import queries
from patriot.opscentre.forms import DashboardFilter, WeekForm
from patriot.opscentre.queries import OPEN_STATE_PARAMS, Scope, search_url

Role = RoleChoices
DASHBOARD_ROLES = Role.POC_ROLES | {Role.MAYOR}
MAYOR_ROLES = frozenset({Role.MAYOR, Role.SYSTEM_ADMIN, Role.POC_SUPERVISOR})
WEEKLY_ROLES = Role.CITYWIDE_ROLES
MAYOR_PAGE_SIZE = 25
# Dashboard filter parameters carried by the partials' URLs.
FILTER_PARAMS = ("district", "village", "category", "channel", "agency", "date_from", "date_to")


def _scope(request: HttpRequest) -> tuple[DashboardFilter, Scope]:
    form = DashboardFilter(request.GET)
    return form, form.scope()


def _filter_query(request: HttpRequest) -> str:
    kept = request.GET.copy()
    for key in list(kept.keys()):
        if key not in FILTER_PARAMS or not kept.get(key):
            del kept[key]
    return kept.urlencode()


# --- the dashboard ---------------------------------------------------------------------------


def _counters_context(scope: Scope) -> dict[str, Any]:
    data = queries.counters(scope)
    base = scope.search_params()
    return {
        "counters": data,
        "links": {
            "new_today": search_url(base, created_from=queries.local_today().isoformat()),
            "open": search_url(base, state=OPEN_STATE_PARAMS),
            "due_soon": search_url(base, state=OPEN_STATE_PARAMS, sla_status=SlaStatusChoices.DUE_SOON),
            "overdue": search_url(base, state=OPEN_STATE_PARAMS, sla_status=SlaStatusChoices.OVERDUE),
        },
        "state_links": [
            (state, CaseStateChoices.label(state), count, search_url(base, state=state))
            for state, count in data.open_by_state
        ],
    }


def _agencies_context(scope: Scope) -> dict[str, Any]:
    base = scope.search_params()
    rows = []
    for row in queries.agency_table(scope):
        rows.append(
            {
                "row": row,
                "open_url": search_url({**base, "agency": row.code}, state=OPEN_STATE_PARAMS),
                "overdue_url": search_url(
                    {**base, "agency": row.code}, state=OPEN_STATE_PARAMS, sla_status=SlaStatusChoices.OVERDUE
                ),
                "due_soon_url": search_url(
                    {**base, "agency": row.code}, state=OPEN_STATE_PARAMS, sla_status=SlaStatusChoices.DUE_SOON
                ),
                "resolved_url": search_url(
                    {**scope.search_params(window=True), "agency": row.code},
                    state=[CaseStateChoices.RESOLVED, CaseStateChoices.CLOSED],
                ),
            }
        )
    return {"agency_rows": rows, "scope": scope}


@require_GET
@staff_page(DASHBOARD_ROLES)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, scope = _scope(request)
    query = _filter_query(request)
    return render(
        request,
        "opscentre/dashboard.html",
        {
            "form": form,
            "scope": scope,
            "query": query,
            "feed": queries.feed(scope),
            "now": timezone.now(),
            **_counters_context(scope),
            **_agencies_context(scope),
        },
    )


@require_GET
@staff_page(DASHBOARD_ROLES)
def counters_partial(request: HttpRequest) -> HttpResponse:
    _form, scope = _scope(request)
    return render(request, "opscentre/_counters.html", _counters_context(scope))


@require_GET
@staff_page(DASHBOARD_ROLES | MAYOR_ROLES)
def agencies_partial(request: HttpRequest) -> HttpResponse:
    _form, scope = _scope(request)
    return render(request, "opscentre/_agencies.html", _agencies_context(scope))


@require_GET
@staff_page(DASHBOARD_ROLES)
def feed_partial(request: HttpRequest) -> HttpResponse:
    _form, scope = _scope(request)
    return render(request, "opscentre/_feed.html", {"feed": queries.feed(scope)})


@require_GET
@staff_page(DASHBOARD_ROLES)
def charts_data(request: HttpRequest) -> JsonResponse:
    """Chart.js series, with the search link behind every bar."""
    _form, scope = _scope(request)
    data = queries.charts(scope)
    base = scope.search_params()
    window = scope.search_params(window=True)
    days = [day.isoformat() for day in data.days]
    return JsonResponse(
        {
            "total": data.total,
            "days": {
                "labels": days,
                "series": [
                    {
                        "channel": channel,
                        "label": str(ChannelChoices.label(channel)),
                        "colour": ChannelChoices.colour(channel),
                        "counts": counts,
                        "links": [
                            search_url({**base, "channel": channel}, created_from=day, created_to=day) for day in days
                        ],
                    }
                    for channel, counts in data.per_day_by_channel.items()
                ],
            },
            "categories": {
                "labels": [row["label"] for row in data.top_categories],
                "counts": [row["count"] for row in data.top_categories],
                "links": [search_url({**window, "category": row["code"]}) for row in data.top_categories],
            },
            "hours": {
                "labels": [f"{hour:02d}" for hour in range(24)],
                "counts": data.by_hour,
                "links": [search_url(window, hour=hour) for hour in range(24)],
            },
        }
    )


@require_GET
@staff_page(DASHBOARD_ROLES)
def map_data(request: HttpRequest) -> JsonResponse:
    """The newest open cases in scope (points) and open/overdue cases per kelurahan (choropleth)."""
    _form, scope = _scope(request)
    base = scope.search_params()
    points = [
        {
            "number": point["tracking_number"],
            "lat": point["latitude"],
            "lon": point["longitude"],
            "title": headline_of(point["title"], point["category__name"], point["category__name_en"]),
            "state": point["state"],
            "state_label": str(CaseStateChoices.label(point["state"])),
            "overdue": point["sla_status"] == SlaStatusChoices.OVERDUE,
            "url": reverse("staff-poc-case", args=[point["tracking_number"]]),
        }
        for point in queries.map_points(scope)
    ]
    villages = {
        code: {
            **counts,
            "open_url": search_url({**base, "village": code}, state=OPEN_STATE_PARAMS),
            "overdue_url": search_url(
                {**base, "village": code}, state=OPEN_STATE_PARAMS, sla_status=SlaStatusChoices.OVERDUE
            ),
        }
        for code, counts in queries.open_by_village(scope).items()
    }
    return JsonResponse({"points": points, "cap": queries.MAP_POINT_CAP, "villages": villages})


# --- the mayor's workspace -------------------------------------------------------------------


def _mayor_page(request: SignedInRequest) -> dict[str, Any]:
    view = request.GET.get("tampil", "all")
    if view not in queries.MAYOR_VIEWS:
        view = "all"
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    # No total count: the OR over a million cases would cost more than the page itself.
    offset = (number - 1) * MAYOR_PAGE_SIZE
    rows = list(queries.mayor_cases(view)[offset : offset + MAYOR_PAGE_SIZE + 1])
    return {
        "view": view,
        "cases": rows[:MAYOR_PAGE_SIZE],
        "page_number": number,
        "has_next": len(rows) > MAYOR_PAGE_SIZE,
        "has_previous": number > 1,
        "views": [("all", _("Semua")), ("sorot", _("SOROT")), ("overdue", _("Terlambat / dieskalasi"))],
        "may_instruct": request.user.role in INSTRUCTING_ROLES,
    }


@require_GET
@staff_page(MAYOR_ROLES)
def mayor(request: SignedInRequest) -> HttpResponse:
    scope = Scope.last_days()
    return render(
        request,
        "opscentre/mayor.html",
        {
            **_mayor_page(request),
            **_counters_context(scope),
            **_agencies_context(scope),
            "open_instructions": queries.open_instructions(),
            "answered_instructions": queries.answered_instructions(),
            "instruction_summary": queries.instruction_summary(),
            "now": timezone.now(),
        },
    )


@require_GET
@staff_page(MAYOR_ROLES)
def mayor_cases_partial(request: SignedInRequest) -> HttpResponse:
    return render(request, "opscentre/_mayor_cases.html", {**_mayor_page(request), "now": timezone.now()})


@require_GET
@staff_page(MAYOR_ROLES)
def mayor_counters_partial(request: HttpRequest) -> HttpResponse:
    return render(request, "opscentre/_counters.html", _counters_context(Scope.last_days()))


@require_GET
@staff_page(MAYOR_ROLES)
def mayor_instructions_partial(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "opscentre/_instructions.html",
        {
            "open_instructions": queries.open_instructions(),
            "answered_instructions": queries.answered_instructions(),
            "instruction_summary": queries.instruction_summary(),
        },
    )


# --- the weekly summary ----------------------------------------------------------------------


@require_GET
@staff_page(WEEKLY_ROLES)
def weekly(request: HttpRequest) -> HttpResponse:
    form = WeekForm(request.GET)
    monday = form.monday()
    summary = queries.weekly_summary(monday)
    received = queries.change(summary.this.received, summary.previous.received)
    resolved = queries.change(summary.this.resolved, summary.previous.resolved)
    closed = queries.change(summary.this.closed, summary.previous.closed)
    if not form.is_valid() or not request.GET.get("minggu"):
        form = WeekForm(initial={"minggu": monday.strftime("%G-W%V")}) if form.is_valid() else form
    # Every hotspot leads to the week's cases in /poc/cari/ (by kelurahan or category).
    week = {"created_from": monday.isoformat(), "created_to": (monday + timedelta(days=6)).isoformat()}
    for row in (*summary.this.top_villages, *summary.this.top_cells):
        row["url"] = search_url({"village": row["village"].code}, **week)
    for row in summary.this.top_categories:
        row["url"] = search_url({"category": row["category"].code}, **week)
    return render(
        request,
        "opscentre/weekly.html",
        {
            "form": form,
            "summary": summary,
            "headline": {"received": received, "resolved": resolved, "closed": closed},
            "week_label": monday.strftime("%G-W%V"),
            "previous_week": (monday - timedelta(days=7)).strftime("%G-W%V"),
            "next_week": (monday + timedelta(days=7)).strftime("%G-W%V")
            if monday + timedelta(days=7) <= queries.last_full_week()
            else None,
        },
    )
