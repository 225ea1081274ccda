"""The PSC dispatcher's live board (/psc/papan/): active incidents by state with running timers against the response
targets, units on a map coloured by status, a visible and audible alarm for a new P1, and for the chosen incident
the suggested units (emergency.dispatch) with a dispatch button. Call takers see it read-only.

The page reads /psc/papan/data/ (JSON) and re-reads it on every emergency event of the staff stream
(static/emergency/board.js); dispatching and re-routing are POSTs that answer the suggestions panel again (409 with
the reason when a unit is no longer available). Also the panel that the POC dashboard and the mayor's workspace
show (counts and areas, no patient or caller data)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.views.staff import staff_page
from patriot.core import clock
from patriot.core.errors import DomainError
from patriot.emergency import dispatch, queries, services
from patriot.emergency.choices import AmbulanceStatusChoices, IncidentStateChoices, TriageLevelChoices
from patriot.emergency.models import Ambulance, Incident

psc_page = staff_page(queries.CALL_ROLES)
dispatcher_page = staff_page({RoleChoices.PSC_DISPATCHER})

# Who sees the emergency panel on the shared workspaces (counts only): the POC dashboard's and mayor's roles.
PANEL_ROLES = RoleChoices.POC_ROLES | {RoleChoices.MAYOR, RoleChoices.SYSTEM_ADMIN} | queries.CALL_ROLES

BOARD_STATES = (
    IncidentStateChoices.OPEN,
    IncidentStateChoices.DISPATCHED,
    IncidentStateChoices.ON_SCENE,
    IncidentStateChoices.TRANSPORTING,
)


@psc_page
def board(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    targets = dispatch.response_targets()
    context = {
        "states": [(state, IncidentStateChoices.label(state)) for state in BOARD_STATES],
        "config": {
            "dataUrl": "/psc/papan/data/",
            "suggestUrl": "/psc/insiden/{id}/saran/",
            "targets": {level: [amber * 60, red * 60] for level, (amber, red) in targets.items()},
            "tileUrl": settings.PATRIOT_TILE_URL,
            "statusColours": {value: AmbulanceStatusChoices.colour(value) for value in AmbulanceStatusChoices.values()},
            "levelColours": {value: TriageLevelChoices.colour(value) for value in TriageLevelChoices.values()},
            "texts": {
                "alarm": _("Insiden P1 baru: %(number)s"),
                "none": _("Tidak ada insiden."),
                "units": _("Unit"),
                "noUnit": _("belum ada unit"),
            },
        },
        "targets": [(TriageLevelChoices.label(level), amber, red) for level, (amber, red) in targets.items()],
        "is_dispatcher": user.role == RoleChoices.PSC_DISPATCHER,
        "road_factor": settings.PATRIOT_EMERGENCY_ROAD_FACTOR,
        "speeds": dispatch.parse_speeds(settings.PATRIOT_EMERGENCY_SPEEDS),
    }
    return render(request, "emergency/dispatch_board.html", context)


@psc_page
def board_data(request: HttpRequest) -> JsonResponse:
    return JsonResponse(
        {
            "now": clock.now().isoformat(),
            "incidents": dispatch.board_incidents(),
            "units": dispatch.unit_positions(),
        }
    )


def _incident_or_404(pk: int) -> Incident:
    incident = Incident.objects.select_related("village", "district").filter(pk=pk).first()
    if incident is None:
        raise Http404
    return incident


def _suggestions_panel(
    request: HttpRequest, incident: Incident, *, error: str = "", done: str = "", status: int = 200
) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    result = dispatch.suggest(
        incident_id=incident.pk,
        latitude=incident.latitude,
        longitude=incident.longitude,
        level=incident.level,
        complaint=incident.complaint,
        now=clock.now(),
    )
    context: dict[str, Any] = {
        "incident": incident,
        "result": result,
        "assigned": Ambulance.objects.filter(incident=incident).select_related("unit"),
        "is_dispatcher": user.role == RoleChoices.PSC_DISPATCHER,
        "may_dispatch": incident.state in IncidentStateChoices.ACTIVE,
        "error": error,
        "done": done,
    }
    return render(request, "emergency/dispatch_suggestions.html", context, status=status)


@psc_page
def suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    return _suggestions_panel(request, _incident_or_404(pk))


def _answer(
    request: HttpRequest, incident: Incident, *, error: DomainError | None = None, done: str = ""
) -> HttpResponse:
    """The panel again for the board's fetch; without scripts, back to the board with a message (409 page)."""
    if request.headers.get("X-Requested-With") == "board":
        if error is not None:
            return _suggestions_panel(request, incident, error=error.message, status=error.status_code)
        return _suggestions_panel(request, incident, done=done)
    if error is not None:
        if error.status_code == 409:
            return render(request, "emergency/refused.html", {"message": error.message}, status=409)
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("emergency-board")


@require_POST
@dispatcher_page
def dispatch_units(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the checked units (one transaction; 409 naming a unit that is no longer available)."""
    user: User = request.user  # type: ignore[assignment]
    incident = _incident_or_404(pk)
    ids = [int(value) for value in request.POST.getlist("ambulance") if value.isdigit()]
    try:
        units = services.dispatch_units(user, incident, ids)
    except DomainError as error:
        return _answer(request, incident, error=error)
    names = ", ".join(unit.unit.name for unit in units)
    return _answer(
        request, incident, done=_("%(units)s ditugaskan ke %(number)s.") % {"units": names, "number": incident.number}
    )


@require_POST
@dispatcher_page
def reroute(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    incident = _incident_or_404(pk)
    value = request.POST.get("ambulance", "")
    ambulance = Ambulance.objects.select_related("unit").filter(pk=int(value)).first() if value.isdigit() else None
    if ambulance is None:
        raise Http404
    try:
        services.reroute_ambulance(user, ambulance, incident)
    except DomainError as error:
        return _answer(request, incident, error=error)
    return _answer(
        request,
        incident,
        done=_("%(unit)s dialihkan ke %(number)s.") % {"unit": ambulance.unit.name, "number": incident.number},
    )


def workspace_panel(request: HttpRequest) -> dict[str, Any]:
    """The POC dashboard's and the mayor's emergency panel: counts and areas only (emergency.dispatch)."""
    return workspace_summary_context()


@staff_page(PANEL_ROLES)
def panel_partial(request: HttpRequest) -> HttpResponse:
    """The panel's body read again from the database: after the stream reconnects (live-resync). Between, the
    `emergency_overview` events update it in place (static/emergency/panel.js)."""
    return render(request, "emergency/dispatch_panel_body.html", workspace_summary_context())


def workspace_summary_context() -> dict[str, Any]:
    summary = dispatch.workspace_summary()
    summary["map"] = _svg_map(summary)
    return summary


# The small map: Kota Bekasi's bounding box projected onto a 300 × 260 box (no tiles, nothing to load).
_BOX = (-6.385, -6.165, 106.90, 107.05)  # south, north, west, east


def _svg_map(summary: dict[str, Any]) -> dict[str, Any]:
    south, north, west, east = _BOX
    width, height = 300, 260

    def project(lat: float, lon: float) -> tuple[float, float]:
        return (round((lon - west) / (east - west) * width, 1), round((north - lat) / (north - south) * height, 1))

    areas = []
    for area in summary["areas"]:
        x, y = project(area["lat"], area["lon"])
        areas.append({**area, "x": x, "y": y, "r": min(24, 6 + 3 * area["count"])})
    units = []
    for unit in summary["units"]:
        x, y = project(unit["lat"], unit["lon"])
        if 0 <= x <= width and 0 <= y <= height:
            units.append({**unit, "x": x, "y": y})
    return {
        "width": width,
        "height": height,
        "box": ",".join(str(edge) for edge in _BOX),
        "areas": areas,
        "units": units,
    }
