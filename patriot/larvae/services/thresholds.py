"""Thresholds crossed → one case for Dinkes' URC per area (a kelurahan's RW), on the complaint workflow.

When it runs: the periodic job `larvae-thresholds` (registered in larvae.apps, every round of `patriot worker`)
checks the current ISO week of every RW with inspections or dengue cases; recording a dengue case
(services.dengue) checks its area at once. It does not run inside record_inspection's transaction, so a jumantik's
submission never waits on the cases app.

Exactly one case per area: `raise_area_alert` locks the kelurahan's row (SELECT … FOR UPDATE) before looking for
the area's open AreaAlert, and the partial unique constraint `area_alert_one_open` refuses a second open alert even
if a caller skipped the lock. While the alert's case is open (not rejected, merged or closed), a new crossing (a
new week or a new reason) adds an internal timeline note to that case instead of opening another; the same
crossing seen again by the next run adds nothing.

The case: channel "health", category "demam-berdarah" (default agency Dinkes; POC verifies and dispatches it, Dinkes
assigns URC Dinkes Pengendalian Vektor), confidential, its public text area-level only (kelurahan, RW, the week's
figures); the positive houses are attached as an internal note by inspection number and RT, never by address or
name. `resolve_alert` resolves the case with the action taken (PSN, larvicide, fogging) and keeps it on the alert.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from patriot.accounts.models import User
from patriot.cases import services as cases
from patriot.cases.choices import CaseStateChoices, ChannelChoices
from patriot.cases.models import Case, Category
from patriot.core import clock
from patriot.core.errors import InvalidInput
from patriot.geo.models import Village
from patriot.larvae.choices import BuildingKindChoices
from patriot.larvae.indices import Counts, Figures, Period, figures
from patriot.larvae.models import (
    AreaAlert,
    DengueCase,
    Inspection,
    Threshold,
    ThresholdActionChoices,
    ThresholdKindChoices,
)

CATEGORY_CODE = "demam-berdarah"
# RW 0 stands for "the whole kelurahan": a dengue case recorded without its RW.
WHOLE_VILLAGE = 0
ACTIONS_TAKEN = {
    "psn": gettext_lazy("PSN 3M Plus dan penyuluhan"),
    "larvicide": gettext_lazy("larvasida (abatisasi)"),
    "fogging": gettext_lazy("fogging (pengasapan)"),
}
POSITIVE_HOUSES_LISTED = 50

# Bekasi's rules, the defaults Dinkes edits in the admin (Threshold rows; seeded by `patriot seed`).
DEFAULT_THRESHOLDS = (
    {
        "kind": ThresholdKindChoices.ABJ_BELOW,
        "value": Decimal("95"),
        "action": ThresholdActionChoices.BELOW_TARGET,
        "raises_case": False,
        "description": "ABJ di bawah 95 %: di bawah target nasional (PSN dan penyuluhan).",
    },
    {
        "kind": ThresholdKindChoices.HOUSE_INDEX_ABOVE,
        "value": Decimal("10"),
        "action": ThresholdActionChoices.FOGGING,
        "raises_case": True,
        "description": "House Index di atas 10 %: perlu fogging (aturan Dinkes Kota Bekasi).",
    },
    {
        "kind": ThresholdKindChoices.DENGUE_CASES_AT_LEAST,
        "value": Decimal("1"),
        "action": ThresholdActionChoices.FOGGING,
        "raises_case": True,
        "description": "Ada kasus DBD terkonfirmasi di wilayah: perlu fogging fokus.",
    },
)


def seed_default_thresholds() -> int:
    """Create the default thresholds when none exist (Dinkes' edits are never overwritten)."""
    if Threshold.objects.exists():
        return 0
    Threshold.objects.bulk_create(Threshold(**row) for row in DEFAULT_THRESHOLDS)
    return len(DEFAULT_THRESHOLDS)


@dataclass(frozen=True)
class AreaWeek:
    """One area's week: its house figures and its confirmed dengue cases."""

    village_id: int
    rw: int
    figures: Figures
    dengue_cases: int


@dataclass(frozen=True)
class Crossing:
    threshold: Threshold
    value: float


def crossings(area: AreaWeek, thresholds: Iterable[Threshold]) -> list[Crossing]:
    """The thresholds this area's week crosses. An index threshold needs `min_houses` houses inspected; an area
    nobody inspected crosses no index threshold (unknown is not below target)."""
    found = []
    f = area.figures
    for threshold in thresholds:
        limit = float(threshold.value)
        if threshold.kind == ThresholdKindChoices.DENGUE_CASES_AT_LEAST:
            if area.dengue_cases and area.dengue_cases >= limit:
                found.append(Crossing(threshold, float(area.dengue_cases)))
            continue
        if f.counts.houses < max(threshold.min_houses, 1):
            continue
        abj, hi = f.larva_free_index, f.house_index
        if threshold.kind == ThresholdKindChoices.ABJ_BELOW and abj is not None and abj < limit:
            found.append(Crossing(threshold, abj))
        elif threshold.kind == ThresholdKindChoices.HOUSE_INDEX_ABOVE and hi is not None and hi > limit:
            found.append(Crossing(threshold, hi))
    return found


def area_weeks(period: Period, *, village_id: int | None = None) -> list[AreaWeek]:
    """Every RW with house inspections or dengue cases in the period (two grouped queries); a dengue case without
    its RW is the whole kelurahan's (RW 0)."""
    inspections = Inspection.objects.filter(
        inspected_at__gte=period.start, inspected_at__lt=period.end, building_kind=BuildingKindChoices.HOUSE
    )
    dengue = DengueCase.objects.filter(onset_date__gte=period.start.date(), onset_date__lte=period.last_day)
    if village_id is not None:
        inspections = inspections.filter(village_id=village_id)
        dengue = dengue.filter(village_id=village_id)
    rows = (
        inspections.values("village_id", "rw")
        .order_by("village_id", "rw")
        .annotate(
            houses=Count("id"),
            positive_houses=Count("id", filter=Q(is_positive=True)),
            container_total=Coalesce(Sum("containers_inspected"), 0),
            positive_containers=Coalesce(Sum("containers_positive"), 0),
        )
    )
    counts: dict[tuple[int, int], Counts] = {}
    for row in rows:
        key = (row["village_id"], row["rw"])
        counts[key] = Counts(row["houses"], row["positive_houses"], row["container_total"], row["positive_containers"])
    cases_by_area: dict[tuple[int, int], int] = defaultdict(int)
    for row in dengue.values("village_id", "rw").order_by().annotate(total=Sum("count")):
        cases_by_area[(row["village_id"], row["rw"] or WHOLE_VILLAGE)] += row["total"]
    keys = sorted(set(counts) | set(cases_by_area))
    return [
        AreaWeek(
            village_id=key[0],
            rw=key[1],
            figures=figures(counts.get(key, Counts())),
            dengue_cases=cases_by_area.get(key, 0),
        )
        for key in keys
    ]


def week_label(period: Period) -> str:
    year, week, _day = period.start.isocalendar()
    return f"{year}-W{week:02d}"


def check_thresholds(period: Period | None = None, *, village_id: int | None = None) -> list[AreaAlert]:
    """Raise or add to one case per area whose week crosses an active case-raising threshold; returns the alerts
    touched. The job `larvae-thresholds` calls it for the current week."""
    period = period or Period.week_of(clock.now())
    thresholds = list(Threshold.objects.filter(is_active=True, raises_case=True))
    if not thresholds:
        return []
    touched = []
    for area in area_weeks(period, village_id=village_id):
        found = crossings(area, thresholds)
        if found:
            alert = raise_area_alert(area, found, period)
            if alert is not None:
                touched.append(alert)
    return touched


def run_threshold_job() -> None:
    """The periodic job: alerts whose case ended are let go, then the current week is checked."""
    close_finished_alerts()
    check_thresholds()


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}".replace(".", ",")


def _figures_text(village: Village, area: AreaWeek, found: Sequence[Crossing], label: str) -> str:
    f = area.figures
    where = _("Kelurahan %(village)s, Kec. %(district)s") % {
        "village": village.name,
        "district": village.district.name,
    }
    if area.rw != WHOLE_VILLAGE:
        where += f", RW {area.rw:02d}"
    reasons = "; ".join(f"{c.threshold.get_kind_display()} {c.threshold.value}: {_percent(c.value)}" for c in found)
    return "\n".join(
        [
            _("%(where)s, minggu %(week)s.") % {"where": where, "week": label},
            _("Ambang terlampaui: %(reasons)s.") % {"reasons": reasons},
            _(
                "Rumah diperiksa %(houses)d, positif jentik %(positive)d; kontainer diperiksa %(containers)d, "
                "positif %(positive_containers)d."
            )
            % {
                "houses": f.counts.houses,
                "positive": f.counts.positive_houses,
                "containers": f.counts.containers,
                "positive_containers": f.counts.positive_containers,
            },
            _("ABJ %(abj)s %%, HI %(hi)s %%, CI %(ci)s %%, BI %(bi)s, DF %(df)s; kasus DBD terkonfirmasi: %(dbd)d.")
            % {
                "abj": _percent(f.larva_free_index),
                "hi": _percent(f.house_index),
                "ci": _percent(f.container_index),
                "bi": _percent(f.breteau_index),
                "df": f.density_figure if f.density_figure is not None else "–",
                "dbd": area.dengue_cases,
            },
        ]
    )


def positive_houses(village_id: int, rw: int, period: Period) -> QuerySet[Inspection]:
    """The positive houses of an area's week, by RT then inspection number: what an alert's case lists."""
    return Inspection.objects.filter(
        village_id=village_id,
        rw=rw,
        is_positive=True,
        building_kind=BuildingKindChoices.HOUSE,
        inspected_at__gte=period.start,
        inspected_at__lt=period.end,
    ).order_by("rt", "id")


def crossing_period(alert: AreaAlert) -> Period:
    """The ISO week of the alert's last crossing (its `last_crossing` starts with "2026-W49")."""
    label = alert.last_crossing.split(" ", 1)[0]
    try:
        year, week = label.split("-W")
        return Period.iso_week(int(year), int(week))
    except ValueError:
        return Period.week_of(alert.updated_at)


def _positive_houses_text(area: AreaWeek, period: Period) -> str:
    """The positive houses by inspection number and RT (Dinkes opens them in Si Tik Tik): never an address."""
    rows = list(
        positive_houses(area.village_id, area.rw, period).values_list("id", "rt", "containers_positive")[
            :POSITIVE_HOUSES_LISTED
        ]
    )
    if not rows:
        return ""
    listed = ", ".join(
        _("#%(id)d (RT %(rt)02d, %(count)d kontainer)") % {"id": pk, "rt": rt, "count": n} for pk, rt, n in rows
    )
    return _("Rumah positif jentik (nomor pemeriksaan Si Tik Tik): %(list)s.") % {"list": listed}


def _crossing_key(label: str, found: Sequence[Crossing]) -> str:
    return f"{label} {','.join(sorted({c.threshold.kind for c in found}))}"[:120]


def raise_area_alert(area: AreaWeek, found: Sequence[Crossing], period: Period) -> AreaAlert | None:
    """Open the area's one case, or add this crossing to the case already open; None when nothing changed."""
    label = week_label(period)
    key = _crossing_key(label, found)
    now = clock.now()
    with transaction.atomic():
        village = Village.objects.select_for_update().select_related("district").get(pk=area.village_id)
        alert = (
            AreaAlert.objects.select_for_update()
            .select_related("case")
            .filter(village_id=area.village_id, rw=area.rw, is_open=True)
            .first()
        )
        if alert is not None and alert.case.state in CaseStateChoices.TERMINAL:
            alert.is_open = False
            alert.save(update_fields=["is_open"])
            alert = None
        text = _figures_text(village, area, found, label)
        houses = _positive_houses_text(area, period)
        if alert is not None:
            if alert.last_crossing == key:
                return None
            cases.comment_case(
                alert.case,
                by=None,
                note="\n".join(part for part in (_("Ambang terlampaui lagi."), text, houses) if part),
            )
            alert.crossings += 1
            alert.last_crossing = key
            alert.updated_at = now
            alert.save(update_fields=["crossings", "last_crossing", "updated_at"])
            return alert
        latest = AreaAlert.objects.filter(village_id=area.village_id, rw=area.rw).order_by("-opened_at", "-pk").first()
        if latest is not None and latest.last_crossing == key:
            # The case for this very crossing ended (closed, or rejected by the POC): a new week or a new reason
            # opens the next one, not the next run of the job.
            return None
        category = Category.objects.get(code=CATEGORY_CODE)
        has_dengue = any(c.threshold.kind == ThresholdKindChoices.DENGUE_CASES_AT_LEAST for c in found)
        rw_text = f" RW {area.rw:02d}" if area.rw != WHOLE_VILLAGE else ""
        new = cases.create_case(
            cases.CaseSubmission(
                channel=ChannelChoices.HEALTH,
                category=category,
                title=_("Si Tik Tik: ambang jentik/DBD terlampaui di %(village)s%(rw)s")
                % {"village": village.name, "rw": rw_text},
                description=text,
                latitude=village.centroid_lat,
                longitude=village.centroid_lon,
                address=_("Kelurahan %(village)s%(rw)s") % {"village": village.name, "rw": rw_text},
                attributes={"kasus_dbd": "ya" if has_dengue else "belum_tahu"},
                is_anonymous=True,
                is_confidential=True,
            )
        )
        if houses:
            cases.comment_case(new.case, by=None, note=houses)
        # Under the kelurahan lock no other open alert can appear; were it skipped, the unique constraint would
        # roll the whole transaction (the new case with it) back.
        return AreaAlert.objects.create(
            village_id=area.village_id, rw=area.rw, case=new.case, last_crossing=key, opened_at=now, updated_at=now
        )


def resolve_alert(
    alert: AreaAlert,
    *,
    by: User,
    actions: Sequence[str],
    note: str,
    proof_photos: Sequence[tuple[str, IO[bytes]]],
) -> AreaAlert:
    """URC reports what it did (PSN, larvicide, fogging): the case is resolved with it and the alert keeps it."""
    chosen = [action for action in ACTIONS_TAKEN if action in actions]
    if not chosen or len(chosen) != len(set(actions)):
        raise InvalidInput(_("Pilih tindakan yang dilakukan: PSN, larvasida atau fogging."), field="actions")
    summary = _("Tindakan: %(actions)s.") % {"actions": ", ".join(str(ACTIONS_TAKEN[a]) for a in chosen)}
    with transaction.atomic():
        cases.resolve_case(alert.case, by=by, note=f"{summary} {note}".strip(), proof_photos=proof_photos)
        AreaAlert.objects.filter(pk=alert.pk).update(action_taken=chosen, updated_at=clock.now())
    alert.refresh_from_db()
    return alert


def open_alert_for(case: Case) -> AreaAlert | None:
    return AreaAlert.objects.filter(case=case).first()


def close_finished_alerts() -> int:
    """Alerts whose case ended (closed, rejected, merged) stop being the area's open alert."""
    return AreaAlert.objects.filter(is_open=True, case__state__in=CaseStateChoices.TERMINAL).update(is_open=False)
