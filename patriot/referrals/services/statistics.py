"""Referral figures for Dinkes' page and the POC (issue 12 item 8): referrals per day, each receiving hospital's
answers (acceptance rate, rejection reasons), its response time (sent → the hospital's answer: median and 90th
percentile) and referrals by diagnosis group (the ICD-10 chapter of the main diagnosis). Counts only: no patient,
no NIK, no name leaves this module.

Every count is one grouped SQL query (the same on SQLite and PostgreSQL). The response-time percentiles are computed
in Python from one values_list of the durations (answered_at − sent_at, an SQL expression), by linear interpolation
between the closest ranks (the "inclusive" method of Python's statistics.quantiles, numpy's default): neither
SQLite nor Django has a portable percentile aggregate.

Definitions:
- a referral counts on the local day it was created, if it was ever sent to a hospital (drafts are not referrals);
- a hospital's copy (ReferralOffer) counts in the period it was sent in; "answered" is accepted or rejected by the
  hospital (a copy withdrawn because another hospital accepted first, or the referral was cancelled, is not an
  answer); the acceptance rate is accepted ÷ answered;
- the response time is from the copy's sending to the hospital's answer (accepted or rejected)."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from patriot.core import clock
from patriot.referrals.choices import OfferStateChoices, RejectReasonChoices
from patriot.referrals.models import Referral, ReferralOffer

DEFAULT_DAYS = 30
MAX_DAYS = 366

# ICD-10 chapters by their first 3-character category (ICD-10-CM's chapter bounds; the shipped list is ICD-10-CM),
# in code order: a code belongs to the last chapter starting at or before it.
CHAPTERS: tuple[tuple[str, str, str, object], ...] = (
    ("A00", "I", "A00–B99", _("Penyakit infeksi dan parasit")),
    ("C00", "II", "C00–D49", _("Neoplasma")),
    ("D50", "III", "D50–D89", _("Penyakit darah dan gangguan imun")),
    ("E00", "IV", "E00–E89", _("Penyakit endokrin, gizi dan metabolik")),
    ("F00", "V", "F01–F99", _("Gangguan jiwa dan perilaku")),
    ("G00", "VI", "G00–G99", _("Penyakit sistem saraf")),
    ("H00", "VII", "H00–H59", _("Penyakit mata")),
    ("H60", "VIII", "H60–H95", _("Penyakit telinga")),
    ("I00", "IX", "I00–I99", _("Penyakit sistem sirkulasi")),
    ("J00", "X", "J00–J99", _("Penyakit sistem pernapasan")),
    ("K00", "XI", "K00–K95", _("Penyakit sistem pencernaan")),
    ("L00", "XII", "L00–L99", _("Penyakit kulit")),
    ("M00", "XIII", "M00–M99", _("Penyakit otot dan tulang")),
    ("N00", "XIV", "N00–N99", _("Penyakit saluran kemih dan kelamin")),
    ("O00", "XV", "O00–O9A", _("Kehamilan, persalinan dan nifas")),
    ("P00", "XVI", "P00–P96", _("Kondisi masa perinatal")),
    ("Q00", "XVII", "Q00–Q99", _("Kelainan bawaan")),
    ("R00", "XVIII", "R00–R99", _("Gejala dan temuan abnormal")),
    ("S00", "XIX", "S00–T88", _("Cedera dan keracunan")),
    ("U00", "XXII", "U00–U85", _("Kode untuk tujuan khusus")),
    ("V00", "XX", "V00–Y99", _("Penyebab luar")),
    ("Z00", "XXI", "Z00–Z99", _("Faktor yang memengaruhi status kesehatan")),
)
_CHAPTER_STARTS = [start for start, *_rest in CHAPTERS]


@dataclass(frozen=True)
class Period:
    """Local calendar days `start` to `end`, both included."""

    start: date
    end: date

    @property
    def since(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.start, time.min))

    @property
    def until(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.end + timedelta(days=1), time.min))

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=index) for index in range((self.end - self.start).days + 1)]

    @property
    def query(self) -> str:
        return f"dari={self.start.isoformat()}&sampai={self.end.isoformat()}"


def default_period(today: date | None = None, days: int = DEFAULT_DAYS) -> Period:
    today = today or timezone.localdate(clock.now())
    return Period(today - timedelta(days=days - 1), today)


def period_from(params: Mapping[str, str], today: date | None = None) -> Period:
    """The period of a request's `dari` and `sampai` (ISO dates): the last 30 days by default; an unreadable date
    falls back to the default, reversed dates are swapped, a span over a year is cut to its last 366 days, a
    future end is today."""
    today = today or timezone.localdate(clock.now())
    fallback = default_period(today)

    def read(name: str, default: date) -> date:
        try:
            return date.fromisoformat(params.get(name) or "")
        except ValueError:
            return default

    end = min(read("sampai", fallback.end), today)
    start = read("dari", end - timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        start, end = end, start
    start = max(start, end - timedelta(days=MAX_DAYS - 1))
    return Period(start, end)


# --- figures --------------------------------------------------------------------------------------------------


def percentile(values: Iterable[float], fraction: float) -> float | None:
    """The `fraction` quantile of `values` by linear interpolation between closest ranks (None for no value)."""
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * fraction
    lower = int(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


@dataclass
class HospitalFigures:
    """One receiving hospital's copies in the period. Response times in minutes."""

    code: str
    name: str
    sent: int = 0
    accepted: int = 0
    rejected: int = 0
    withdrawn: int = 0
    pending: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    median_minutes: float | None = None
    p90_minutes: float | None = None

    @property
    def answered(self) -> int:
        return self.accepted + self.rejected

    @property
    def acceptance_rate(self) -> float | None:
        """Accepted ÷ answered, in percent (one decimal); None with no answer."""
        return round(100 * self.accepted / self.answered, 1) if self.answered else None


@dataclass(frozen=True)
class DiagnosisGroup:
    chapter: str
    codes: str
    name: str
    count: int


@dataclass(frozen=True)
class ReferralFigures:
    period: Period
    per_day: list[tuple[date, int]]
    hospitals: list[HospitalFigures]
    city: HospitalFigures
    diagnosis_groups: list[DiagnosisGroup]

    @property
    def referrals(self) -> int:
        return sum(count for _day, count in self.per_day)


def referrals_per_day(period: Period) -> list[tuple[date, int]]:
    """Sent referrals by the local day they were created, every day of the period (0 when none)."""
    sent = ReferralOffer.objects.filter(referral=OuterRef("pk"))
    rows = (
        Referral.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
        .filter(Exists(sent))
        .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(count=Count("id"))
        .values_list("day", "count")
    )
    counts = dict(rows)
    return [(day, counts.get(day, 0)) for day in period.days]


def _response_minutes(offers: QuerySet[ReferralOffer]) -> dict[str, list[float]]:
    """Minutes from sending to the hospital's answer of each answered copy, by hospital code (one query)."""
    answered = (
        offers.filter(state__in=(OfferStateChoices.ACCEPTED, OfferStateChoices.REJECTED), responded_at__isnull=False)
        .annotate(waited=ExpressionWrapper(F("responded_at") - F("sent_at"), output_field=DurationField()))
        .values_list("facility__unit__code", "waited")
    )
    by_hospital: dict[str, list[float]] = {}
    for code, waited in answered:
        by_hospital.setdefault(code, []).append(waited.total_seconds() / 60)
    return by_hospital


def hospital_figures(period: Period) -> tuple[list[HospitalFigures], HospitalFigures]:
    """Each receiving hospital's copies sent in the period (by name), and the city's total."""
    offers = ReferralOffer.objects.filter(sent_at__gte=period.since, sent_at__lt=period.until)
    reasons = RejectReasonChoices.values()
    rejected = Q(state=OfferStateChoices.REJECTED)
    rows = (
        offers.values("facility__unit__code", "facility__unit__name")
        .annotate(
            sent=Count("id"),
            accepted=Count("id", filter=Q(state=OfferStateChoices.ACCEPTED)),
            rejected=Count("id", filter=rejected),
            withdrawn=Count("id", filter=Q(state=OfferStateChoices.WITHDRAWN)),
            pending=Count("id", filter=Q(state=OfferStateChoices.PENDING)),
            **{f"reason_{reason}": Count("id", filter=rejected & Q(reject_reason=reason)) for reason in reasons},
        )
        .order_by("facility__unit__name")
    )
    durations = _response_minutes(offers)
    city = HospitalFigures(code="", name=str(_("Seluruh kota")), reasons=dict.fromkeys(reasons, 0))
    hospitals = []
    for row in rows:
        code = row["facility__unit__code"]
        figures = HospitalFigures(
            code=code,
            name=row["facility__unit__name"],
            sent=row["sent"],
            accepted=row["accepted"],
            rejected=row["rejected"],
            withdrawn=row["withdrawn"],
            pending=row["pending"],
            reasons={reason: row[f"reason_{reason}"] for reason in reasons},
        )
        minutes = durations.get(code, [])
        figures.median_minutes = _rounded(percentile(minutes, 0.5))
        figures.p90_minutes = _rounded(percentile(minutes, 0.9))
        hospitals.append(figures)
        for name in ("sent", "accepted", "rejected", "withdrawn", "pending"):
            setattr(city, name, getattr(city, name) + getattr(figures, name))
        for reason in reasons:
            city.reasons[reason] += figures.reasons[reason]
    everyone = [value for values in durations.values() for value in values]
    city.median_minutes = _rounded(percentile(everyone, 0.5))
    city.p90_minutes = _rounded(percentile(everyone, 0.9))
    return hospitals, city


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def chapter_index(code: str) -> int | None:
    """The index in CHAPTERS of a 3-character ICD-10 code's chapter (None for no letter code)."""
    key = code.upper()[:3]
    index = bisect.bisect_right(_CHAPTER_STARTS, key) - 1
    return index if key[:1].isalpha() and index >= 0 else None


def diagnosis_groups(period: Period) -> list[DiagnosisGroup]:
    """Sent referrals created in the period by the ICD-10 chapter of their main (first) diagnosis, most first.
    Counted per code in SQL, summed per chapter here."""
    sent = ReferralOffer.objects.filter(referral=OuterRef("pk"))
    rows = (
        Referral.objects.filter(created_at__gte=period.since, created_at__lt=period.until)
        .filter(Exists(sent))
        .annotate(main=KeyTextTransform("0", "diagnoses"))
        .values("main")
        .annotate(count=Count("id"))
        .values_list("main", "count")
    )
    counts: Counter[int] = Counter()
    for code, count in rows:
        index = chapter_index(code or "")
        if index is not None:
            counts[index] += count
    result = [
        DiagnosisGroup(CHAPTERS[index][1], CHAPTERS[index][2], str(CHAPTERS[index][3]), count)
        for index, count in counts.items()
    ]
    order = {chapter: index for index, (_start, chapter, _codes, _name) in enumerate(CHAPTERS)}
    result.sort(key=lambda group: (-group.count, order[group.chapter]))
    return result


def referral_figures(period: Period) -> ReferralFigures:
    hospitals, city = hospital_figures(period)
    return ReferralFigures(
        period=period,
        per_day=referrals_per_day(period),
        hospitals=hospitals,
        city=city,
        diagnosis_groups=diagnosis_groups(period),
    )


def csv_rows(figures: ReferralFigures) -> tuple[list[str], list[list[object]]]:
    """The per-hospital table (and the city's total last) as CSV header and rows."""
    reasons = RejectReasonChoices.values()
    header = [
        str(_("Rumah sakit")),
        str(_("Kode")),
        str(_("Dikirim")),
        str(_("Diterima")),
        str(_("Ditolak")),
        str(_("Ditarik")),
        str(_("Menunggu jawaban")),
        str(_("Tingkat penerimaan (%)")),
        *[str(_("Ditolak: %(reason)s") % {"reason": RejectReasonChoices.label(reason)}) for reason in reasons],
        str(_("Median waktu jawab (menit)")),
        str(_("Persentil 90 waktu jawab (menit)")),
    ]
    rows: list[list[object]] = [
        [
            figures.name,
            figures.code,
            figures.sent,
            figures.accepted,
            figures.rejected,
            figures.withdrawn,
            figures.pending,
            figures.acceptance_rate,
            *[figures.reasons.get(reason, 0) for reason in reasons],
            figures.median_minutes,
            figures.p90_minutes,
        ]
        for figures in [*figures.hospitals, figures.city]
    ]
    return header, rows
