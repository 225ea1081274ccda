"""Dinkes' and the POC's referral figures (issue 12 item 8), pinned against a known set of referrals: referrals per
local day, each hospital's answers and rejection reasons, acceptance rate, median and 90th-percentile response time
(computed here independently with Python's statistics module), diagnosis groups; the CSV; who may see them."""

from __future__ import annotations

import csv
import io
import statistics as pystats
from datetime import date, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from patriot.accounts.choices import RoleChoices
from patriot.core import clock
from patriot.referrals import icd10, services
from patriot.referrals.models import Facility, Referral
from patriot.referrals.services import statistics
from tests.factories import make_user
from tests.referrals.referral_fixtures import World, details, world

D0, D1, D2 = date(2025, 3, 9), date(2025, 3, 10), date(2025, 3, 11)
PERIOD = statistics.Period(D1, D2)


def at(day: date, hour: int, minute: int) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def refer(w: World, when: datetime, hospitals: list[Facility], **overrides: object) -> Referral:
    with clock.pinned(when):
        referral = services.create_referral(w.referrer, details(**overrides))
        if hospitals:
            services.send(w.referrer, referral, [hospital.pk for hospital in hospitals])
    return referral


def answer(user: object, referral: Referral, when: datetime, reason: str = "") -> None:
    referral.refresh_from_db()
    with clock.pinned(when):
        if reason:
            services.reject(user, referral, reason)  # type: ignore[arg-type]
        else:
            services.accept(user, referral)  # type: ignore[arg-type]


@pytest.fixture
def w(db: None) -> World:
    """Known referrals. Response minutes — near: 6, 10, 30; far: 4; other: 2, 1."""
    w = world()
    for hospital in (w.near, w.other):
        hospital.beds.update(total=10, occupied=0)
    # Before the period (the evening before D1): counted nowhere.
    early = refer(w, at(D0, 23, 30), [w.near])
    answer(w.near_staff, early, at(D0, 23, 50))
    # D1 00:30 local is still D0 in UTC: it counts on D1. Far says no bed after 4 min, near accepts after 6.
    r1 = refer(w, at(D1, 0, 30), [w.near, w.far])
    answer(w.far_staff, r1, at(D1, 0, 34), "no_bed")
    answer(w.near_staff, r1, at(D1, 0, 36))
    # Near: no specialist after 10 min; sent on to other, which accepts after 2.
    r2 = refer(w, at(D1, 9, 0), [w.near], diagnoses=["O14"], urgency="urgent")
    answer(w.near_staff, r2, at(D1, 9, 10), "no_specialist")
    r2.refresh_from_db()
    with clock.pinned(at(D1, 9, 11)):
        services.send(w.referrer, r2, [w.other.pk])
    answer(w.other_staff, r2, at(D1, 9, 13))
    r3 = refer(w, at(D2, 10, 0), [w.near], diagnoses=["J18"], urgency="routine")
    answer(w.near_staff, r3, at(D2, 10, 30))
    # Other accepts after 1 min; far's copy is withdrawn (not an answer).
    r4 = refer(w, at(D2, 11, 0), [w.far, w.other], diagnoses=["I21"])
    answer(w.other_staff, r4, at(D2, 11, 1))
    refer(w, at(D2, 12, 0), [])  # a draft: not a referral yet
    refer(w, at(D2, 23, 30), [w.near], diagnoses=["S06"])  # still waiting
    return w


def test_referrals_per_local_day_leave_out_drafts_and_other_days(w: World) -> None:
    assert statistics.referrals_per_day(PERIOD) == [(D1, 2), (D2, 3)]


def test_each_hospitals_answers_rates_and_response_times(w: World) -> None:
    hospitals, city = statistics.hospital_figures(PERIOD)
    by_code = {hospital.code: hospital for hospital in hospitals}
    assert [hospital.code for hospital in hospitals] == ["rs-far", "rs-near", "rs-other"]
    near, far, other = by_code["rs-near"], by_code["rs-far"], by_code["rs-other"]
    assert (near.sent, near.accepted, near.rejected, near.withdrawn, near.pending) == (4, 2, 1, 0, 1)
    assert near.reasons == {"no_bed": 0, "no_specialist": 1, "equipment": 0, "other": 0}
    assert near.acceptance_rate == 66.7
    assert (far.sent, far.accepted, far.rejected, far.withdrawn, far.reasons["no_bed"]) == (2, 0, 1, 1, 1)
    assert far.acceptance_rate == 0.0
    assert (other.sent, other.accepted, other.acceptance_rate) == (2, 2, 100.0)
    # Independently: Python's median and its "inclusive" quantiles (linear interpolation between closest ranks).
    for figures, minutes in ((near, [6, 10, 30]), (far, [4]), (other, [2, 1])):
        assert figures.median_minutes == pytest.approx(pystats.median(minutes))
        expected = pystats.quantiles(minutes, n=10, method="inclusive")[8] if len(minutes) > 1 else minutes[0]
        assert figures.p90_minutes == pytest.approx(expected)
    assert (near.median_minutes, near.p90_minutes) == (10.0, 26.0)
    everyone = [6, 10, 30, 4, 2, 1]
    assert (city.sent, city.accepted, city.rejected, city.withdrawn, city.pending) == (8, 4, 2, 1, 1)
    assert city.acceptance_rate == 66.7
    assert city.median_minutes == pystats.median(everyone) == 5.0
    assert city.p90_minutes == pytest.approx(pystats.quantiles(everyone, n=10, method="inclusive")[8]) == 20.0


def test_referrals_by_the_icd10_chapter_of_their_main_diagnosis(w: World) -> None:
    groups = [(group.chapter, group.count) for group in statistics.diagnosis_groups(PERIOD)]
    # I63 (main of r1) and I21: circulatory; O14 pregnancy; J18 respiratory; S06 injury.
    assert groups == [("IX", 2), ("X", 1), ("XV", 1), ("XIX", 1)]


def test_every_code_of_the_shipped_list_has_a_chapter() -> None:
    assert all(statistics.chapter_index(code) is not None for code in icd10.codes())
    assert statistics.CHAPTERS[statistics.chapter_index("D49")][1] == "II"  # type: ignore[index]
    assert statistics.CHAPTERS[statistics.chapter_index("D50")][1] == "III"  # type: ignore[index]
    assert statistics.chapter_index("") is None


def test_the_period_defaults_to_the_last_30_days_and_reads_dates() -> None:
    today = date(2025, 3, 31)
    assert statistics.period_from({}, today) == statistics.Period(date(2025, 3, 2), today)
    assert statistics.period_from({"dari": "2025-03-10", "sampai": "2025-03-11"}, today) == PERIOD
    assert statistics.period_from({"dari": "2025-03-11", "sampai": "2025-03-10"}, today) == PERIOD
    assert statistics.period_from({"dari": "kemarin"}, today).start == date(2025, 3, 2)
    assert statistics.period_from({"sampai": "2099-01-01"}, today).end == today
    assert len(statistics.period_from({"dari": "2000-01-01"}, today).days) == statistics.MAX_DAYS


def client_of(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_dinkes_page_shows_the_figures_and_no_patient(w: World) -> None:
    page = client_of(w.dinkes).get("/dinkes/?dari=2025-03-10&sampai=2025-03-11").content.decode()
    assert 'id="rujukan"' in page and 'data-chart="referrals-per-day"' in page
    assert '<script id="referrals-per-day" type="application/json">' in page
    assert "66,7 %" in page and "rujukan.csv?dari=2025-03-10&amp;sampai=2025-03-11" in page
    assert "Wulandari" not in page and "3275014303900007" not in page and "RJK-" not in page
    # The bed chart follows the period: two days.
    beds = page.split('<script id="bed-occupancy" type="application/json">')[1].split("</script>")[0]
    assert '"labels": ["2025-03-10", "2025-03-11"]' in beds


def test_the_csv_holds_the_table_with_the_citys_total(w: World) -> None:
    response = client_of(w.dinkes).get("/dinkes/rujukan.csv?dari=2025-03-10&sampai=2025-03-11")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    content = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(content)))
    assert rows[0][:3] == ["Rumah sakit", "Kode", "Dikirim"]
    near = next(row for row in rows if row[1] == "rs-near")
    assert near[2:8] == ["4", "2", "1", "0", "1", "66.7"] and near[-2:] == ["10.0", "26.0"]
    assert rows[-1][2] == "8" and rows[-1][-2:] == ["5.0", "20.0"]
    assert "Wulandari" not in content and "RJK-" not in content


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (RoleChoices.HEALTH_OFFICER, 200),
        (RoleChoices.POC_OPERATOR, 200),
        (RoleChoices.MAYOR, 200),
        (RoleChoices.HOSPITAL_STAFF, 403),
        (RoleChoices.CITIZEN, 403),
        (RoleChoices.AGENCY_OFFICER, 403),
        (RoleChoices.PSC_CALL_TAKER, 403),
    ],
)
def test_only_dinkes_the_poc_and_the_mayor_get_the_csv(db: None, role: str, status: int) -> None:
    assert client_of(make_user(role)).get("/dinkes/rujukan.csv").status_code == status


def test_anonymous_visitors_get_no_csv(db: None) -> None:
    response = Client().get("/dinkes/rujukan.csv")
    assert response.status_code == 302 and "text/csv" not in response.get("Content-Type", "")


def test_the_poc_dashboard_panel_shows_the_last_30_days_and_links_the_page(w: World) -> None:
    now = clock.now()
    refer(w, now - timedelta(minutes=20), [w.near])
    referral = Referral.objects.latest("created_at")
    answer(w.near_staff, referral, now - timedelta(minutes=10))
    page = client_of(make_user(RoleChoices.POC_OPERATOR)).get("/poc/dasbor/").content.decode()
    assert "<dd data-referral-count>1</dd>" in page and "<dd data-referral-acceptance>100,0 %</dd>" in page
    assert 'href="/dinkes/#rujukan"' in page and "Wulandari" not in page
    mayor_page = client_of(make_user(RoleChoices.MAYOR)).get("/walikota/").content.decode()
    assert "data-referral-count" not in mayor_page
