"""The areas part of Si Tik Tik: thresholds raising exactly one case per RW, dengue cases, the areas pages (map,
trend, recap, CSV), the POC and mayor panels, and who may see what."""

from __future__ import annotations

import csv
import io
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import ResponseTeam, User
from patriot.accounts.services import load_agencies
from patriot.cases import services as case_services
from patriot.cases.choices import CaseStateChoices, ChannelChoices
from patriot.cases.models import Case
from patriot.cases.seed import load_categories
from patriot.core import clock
from patriot.core.errors import Forbidden, InvalidInput
from patriot.events.audience import may_receive, may_receive_public, public_payload
from patriot.events.models import OutboxEvent
from patriot.geo.models import District, Village
from patriot.larvae import area_queries, services
from patriot.larvae.demo import create_demo_inspections
from patriot.larvae.indices import Period
from patriot.larvae.models import AreaAlert, DengueCase, Inspection, Threshold
from patriot.larvae.services import dengue, thresholds
from tests.factories import load_areas, make_user, photo, staff
from tests.larvae.conftest import inspection_submission

SECRET_ADDRESS = "Jl. Rahasia No. 13"


@pytest.fixture
def city(db: None) -> None:
    load_areas()
    load_agencies()
    load_categories()
    thresholds.seed_default_thresholds()


def _inspect(jumantik: User, *, positive: bool, rw: int = 3, rt: int = 5, address: str = SECRET_ADDRESS) -> Inspection:
    containers = [("drum", "outdoor", 2, 1 if positive else 0)]
    submission = inspection_submission(containers=containers, rw=rw, rt=rt, address=address)
    return services.record_inspection(jumantik, submission).inspection


def _week_of_houses(jumantik: User, *, houses: int = 10, positive: int = 2, rw: int = 3) -> None:
    for n in range(houses):
        _inspect(jumantik, positive=n < positive, rw=rw, rt=n % 3 + 1)


def _alert_cases() -> list[Case]:
    return list(Case.objects.filter(channel=ChannelChoices.HEALTH).order_by("id"))


# --- thresholds → one case --------------------------------------------------------------------


def test_defaults_are_bekasis_rules(city: None) -> None:
    rows = {(t.kind, float(t.value), t.action, t.raises_case) for t in Threshold.objects.all()}
    assert rows == {
        ("abj_below", 95.0, "below_target", False),
        ("hi_above", 10.0, "fogging", True),
        ("dbd_at_least", 1.0, "fogging", True),
    }
    assert thresholds.seed_default_thresholds() == 0  # Dinkes' edits survive a re-seed


def test_a_house_index_above_ten_raises_one_confidential_case_for_dinkes(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=2)  # HI 20 %
    alerts = thresholds.check_thresholds()
    assert len(alerts) == 1
    [case] = _alert_cases()
    assert case.category.code == "demam-berdarah"
    assert case.category.default_agency is not None and case.category.default_agency.code == "dinkes"
    assert case.state == CaseStateChoices.SUBMITTED  # in the POC's queue
    assert case.is_confidential and case.is_anonymous
    assert "RW 03" in case.description and "20,0" in case.description
    assert "Rumah diperiksa 10, positif jentik 2" in case.description
    # The positive houses by inspection number and RT: never an address or a name.
    notes = " ".join(entry.note for entry in case.timeline.all())
    positives = Inspection.objects.filter(is_positive=True)
    for inspection in positives:
        assert f"#{inspection.pk} (RT" in notes
    for text in (case.description, case.title, case.address, notes):
        assert SECRET_ADDRESS not in text
        assert jumantik.first_name not in text
    assert all(not entry.is_public for entry in case.timeline.all() if entry.note)


def test_repeated_checks_keep_one_case_and_a_new_crossing_adds_a_note(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=2)
    thresholds.check_thresholds()
    case = _alert_cases()[0]
    entries = case.timeline.count()
    for _round in range(3):
        assert thresholds.check_thresholds() == []  # the same crossing again: nothing new
    assert case.timeline.count() == entries
    # A new reason (a confirmed dengue case in the RW) while the case is open: added to it.
    village = Inspection.objects.first().village  # type: ignore[union-attr]
    dengue.record_dengue_case(
        staff(Role.HEALTH_OFFICER), village=village, rw=3, onset_date=timezone.localdate(clock.now())
    )
    assert len(_alert_cases()) == 1
    assert case.timeline.count() == entries + 1
    alert = AreaAlert.objects.get()
    assert alert.crossings == 2 and "dbd_at_least" in alert.last_crossing


def test_no_case_below_the_threshold_or_with_too_few_houses(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=1)  # HI exactly 10 %: not above
    _week_of_houses(jumantik, houses=3, positive=3, rw=7)  # HI 100 % of only three houses
    assert thresholds.check_thresholds() == []
    assert _alert_cases() == []


def test_a_closed_case_lets_the_area_open_a_new_one(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=2)
    thresholds.check_thresholds()
    case = _alert_cases()[0]
    case_services.reject_case(case, by=staff(Role.POC_OPERATOR), reason="spam")
    AreaAlert.objects.update(last_crossing="")
    thresholds.check_thresholds()
    assert len(_alert_cases()) == 2
    assert AreaAlert.objects.filter(is_open=True).count() == 1


def test_urc_resolves_with_the_action_taken(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=2)
    [alert] = thresholds.check_thresholds()
    case = alert.case
    poc = staff(Role.POC_OPERATOR)
    case_services.verify_case(case, by=poc)
    dinkes_agency = case.category.default_agency
    assert dinkes_agency is not None
    case_services.dispatch_case(case, by=poc, agency=dinkes_agency)
    team = ResponseTeam.objects.get(code="urc-dinkes-vektor")
    case_services.assign_case(case, by=staff(Role.AGENCY_OFFICER, agency=dinkes_agency), team=team)
    urc = staff(Role.URC_OFFICER, team=team)
    case_services.start_case(case, by=urc)
    with pytest.raises(InvalidInput):
        thresholds.resolve_alert(alert, by=urc, actions=["teleport"], note="", proof_photos=[photo()])
    client = Client()
    client.force_login(urc)
    response = client.post(
        reverse("larvae-alert-resolve", kwargs={"pk": alert.pk}),
        {"tindakan": ["fogging", "psn"], "catatan": "Fogging fokus RW 03.", "foto": photo()[1]},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    case.refresh_from_db()
    assert alert.action_taken == ["psn", "fogging"]
    assert case.state == CaseStateChoices.RESOLVED
    assert "fogging" in case.resolution_note


def test_another_teams_urc_officer_cannot_resolve(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=2)
    [alert] = thresholds.check_thresholds()
    other = make_user(Role.URC_OFFICER, team=ResponseTeam.objects.get(code="urc-dinkes-kesling"))
    client = Client()
    client.force_login(other)
    response = client.post(reverse("larvae-alert-resolve", kwargs={"pk": alert.pk}), {"tindakan": ["fogging"]})
    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_raise_exactly_one_case(transactional_db: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers anyway")
    load_areas()
    load_agencies()
    load_categories()
    thresholds.seed_default_thresholds()
    jumantik = make_user(Role.JUMANTIK)
    _week_of_houses(jumantik, houses=10, positive=3)
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            for _n in range(3):
                thresholds.check_thresholds()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _n in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert Case.objects.filter(channel=ChannelChoices.HEALTH).count() == 1
    assert AreaAlert.objects.count() == 1


# --- dengue cases ------------------------------------------------------------------------------


def test_only_dinkes_records_dengue_cases_and_a_replay_counts_once(city: None) -> None:
    village = Village.objects.first()
    assert village is not None
    today = timezone.localdate(clock.now())
    for role in (Role.JUMANTIK, Role.POC_OPERATOR, Role.MAYOR, Role.CITIZEN):
        with pytest.raises(Forbidden):
            dengue.record_dengue_case(make_user(role), village=village, onset_date=today)
    dinkes = staff(Role.HEALTH_OFFICER)
    with pytest.raises(InvalidInput):
        dengue.record_dengue_case(dinkes, village=village, onset_date=today + timedelta(days=1))
    with pytest.raises(InvalidInput):
        dengue.record_dengue_case(dinkes, village=village, onset_date=today, count=0)
    first = dengue.record_dengue_case(None, village=village, onset_date=today, source="referral", source_ref="R-1")
    again = dengue.record_dengue_case(None, village=village, onset_date=today, source="referral", source_ref="R-1")
    assert first.pk == again.pk and DengueCase.objects.count() == 1
    # A confirmed case calls for fogging in its area: one case for the kelurahan (no RW known).
    assert len(_alert_cases()) == 1


def test_the_dengue_page_is_dinkes_only(city: None) -> None:
    village = Village.objects.first()
    assert village is not None
    url = reverse("larvae-dengue")
    client = Client()
    assert client.get(url).status_code == 302
    for role in (Role.POC_OPERATOR, Role.JUMANTIK, Role.CITIZEN, Role.MAYOR):
        client.force_login(make_user(role))
        assert client.get(url).status_code == 403
    client.force_login(staff(Role.HEALTH_OFFICER))
    response = client.post(
        url, {"kelurahan": village.pk, "rw": 4, "tanggal": timezone.localdate(clock.now()).isoformat(), "jumlah": 2}
    )
    assert response.status_code == 302
    assert DengueCase.objects.get().count == 2
    response = client.post(url, {"kelurahan": village.pk, "tanggal": "2099-01-01", "jumlah": 1})
    assert response.status_code == 400
    assert "belum terjadi" in response.content.decode()


# --- pages ------------------------------------------------------------------------------------

AREA_URLS = ("larvae-areas", "larvae-areas-map", "larvae-areas-trend", "larvae-panel-poc", "larvae-panel-mayor")


@pytest.mark.parametrize("name", AREA_URLS)
def test_area_pages_are_for_dinkes_the_poc_and_the_mayor(city: None, name: str) -> None:
    client = Client()
    assert client.get(reverse(name)).status_code == 302  # anonymous: sign in first
    for role in (Role.JUMANTIK, Role.CITIZEN, Role.AGENCY_OFFICER, Role.URC_OFFICER):
        client.force_login(make_user(role))
        assert client.get(reverse(name)).status_code == 403
    for role in (Role.HEALTH_OFFICER, Role.POC_OPERATOR, Role.MAYOR):
        client.force_login(staff(role))
        assert client.get(reverse(name)).status_code == 200


def test_areas_page_drills_down_and_shows_the_numbers_behind(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=2)
    village = Inspection.objects.first().village  # type: ignore[union-attr]
    client = Client()
    client.force_login(staff(Role.HEALTH_OFFICER))
    city_page = client.get(reverse("larvae-areas")).content.decode()
    assert village.district.name in city_page
    page = client.get(reverse("larvae-areas"), {"kelurahan": village.pk}).content.decode()
    assert 'data-area="RW 03"' in page and "80,0" in page and "20,0" in page
    assert SECRET_ADDRESS not in page
    rw_page = client.get(reverse("larvae-areas"), {"kelurahan": village.pk, "rw": 3}).content.decode()
    assert 'data-area="RT 01"' in rw_page
    month = client.get(reverse("larvae-areas"), {"periode": "bulan", "bulan": "2026-13"})
    assert month.status_code == 400
    assert client.get(reverse("larvae-areas"), {"rw": 3}).status_code == 400  # an RW needs its kelurahan


def test_map_data_carries_areas_only(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=2)
    inspection = Inspection.objects.first()
    assert inspection is not None
    client = Client()
    client.force_login(staff(Role.POC_OPERATOR))
    data = client.get(reverse("larvae-areas-map")).json()
    village = data["villages"][inspection.village.code]
    assert (village["houses"], village["positive_houses"], village["abj"], village["df"]) == (10, 2, 80.0, 4)
    [rw] = data["rws"]
    assert rw["rw"] == 3 and rw["houses"] == 10
    body = str(data)
    assert SECRET_ADDRESS not in body and str(inspection.latitude) not in body


def test_recap_and_csv_per_kelurahan_safe_against_formulas(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=2)
    village = Inspection.objects.first().village  # type: ignore[union-attr]
    Village.objects.filter(pk=village.pk).update(name='=HYPERLINK("http://x")')
    client = Client()
    client.force_login(staff(Role.HEALTH_OFFICER))
    page = client.get(reverse("larvae-recap", kwargs={"code": village.code}))
    assert page.status_code == 200 and "@media print" not in page.content.decode()
    response = client.get(reverse("larvae-recap-csv", kwargs={"code": village.code}))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))  # type: ignore[attr-defined]
    assert rows[1][2].startswith("'=")
    assert rows[1][3:8] == ["RW 03", "10", "2", "20", "2"]
    assert rows[-1][3:6] == ["Jumlah", "10", "2"]
    client.force_login(make_user(Role.JUMANTIK))
    assert client.get(reverse("larvae-recap-csv", kwargs={"code": village.code})).status_code == 403
    assert client.get(reverse("larvae-recap", kwargs={"code": "nope"})).status_code == 403


# --- live: POC panel and events -----------------------------------------------------------------


def test_positive_inspection_event_reaches_the_poc_with_area_data_only(city: None, jumantik: User) -> None:
    _inspect(jumantik, positive=True)
    event = OutboxEvent.objects.get(subject_type="larvae")
    for role in (*Role.POC_ROLES, Role.HEALTH_OFFICER, Role.MAYOR):
        assert may_receive(make_user(role), event)
    for role in (Role.CITIZEN, Role.AGENCY_OFFICER, Role.URC_OFFICER, Role.CALLCENTRE_OPERATOR):
        assert not may_receive(make_user(role), event)
    assert not may_receive_public(event) and public_payload(event) == {}
    payload: dict[str, Any] = event.payload
    assert payload["is_positive"] is True and payload["rw"] == 3
    forbidden = {"address", "latitude", "longitude", "jumantik", "name", "photo", "h3_cell", "rt", "fever_past_week"}
    assert forbidden.isdisjoint(payload)
    assert SECRET_ADDRESS not in str(payload) and jumantik.first_name not in str(payload)


def test_poc_dashboard_shows_the_larvae_panel_refreshing_on_the_larvae_event(city: None, jumantik: User) -> None:
    _inspect(jumantik, positive=True)
    client = Client()
    client.force_login(staff(Role.POC_OPERATOR))
    page = client.get(reverse("opscentre-dashboard")).content.decode()
    assert 'hx-trigger="sse:larvae' in page
    assert 'data-larvae="today-positive">1<' in page
    assert SECRET_ADDRESS not in page
    body = client.get(reverse("larvae-panel-poc")).content.decode()
    assert "data-larvae-area" in body and SECRET_ADDRESS not in body


def test_mayor_sees_one_risk_line_per_kecamatan(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=2)
    client = Client()
    client.force_login(staff(Role.MAYOR))
    page = client.get(reverse("opscentre-mayor")).content.decode()
    assert page.count("data-risk=") == District.objects.count()
    assert 'data-risk="moderate"' in page  # DF 4 in Bekasi Timur
    assert area_queries.risk_level(area_queries.figures(area_queries.Counts()), 1) == "high"


# --- demo ---------------------------------------------------------------------------------------


def test_demo_year_has_a_rainy_season_and_raises_cases(city: None) -> None:
    inspections, alerts = create_demo_inspections(weeks=3)
    assert inspections > 0 and alerts >= 1
    assert AreaAlert.objects.count() == alerts == len(_alert_cases())
    from patriot.larvae.demo import rainy_season

    assert rainy_season(clock.now().replace(month=2, day=1)) > 0.9
    assert rainy_season(clock.now().replace(month=8, day=1)) == 0
    # The latest week has houses: this week, or last week on a Monday (whose rounds have barely begun).
    assert (
        Period.week_of(clock.now() - timedelta(days=1)).start <= Inspection.objects.latest("inspected_at").inspected_at
    )


def test_thresholds_are_data_dinkes_edits_them(city: None, jumantik: User) -> None:
    _week_of_houses(jumantik, houses=10, positive=2)  # HI 20 %, ABJ 80 %
    Threshold.objects.filter(kind="hi_above").update(value=25)
    assert thresholds.check_thresholds() == []  # ABJ below 95 % colours the pages but raises no case
    Threshold.objects.filter(kind="abj_below").update(raises_case=True)
    [alert] = thresholds.check_thresholds()
    assert "abj_below" in alert.last_crossing
    assert "ABJ di bawah (%) 95" in alert.case.description


def test_the_job_is_registered_and_lets_go_of_ended_alerts(city: None, jumantik: User) -> None:
    from patriot.core import registry

    assert "larvae-thresholds" in {job.name for job in registry.periodic_jobs()}
    _week_of_houses(jumantik, houses=10, positive=2)
    thresholds.run_threshold_job()
    alert = AreaAlert.objects.get()
    case_services.reject_case(alert.case, by=staff(Role.POC_OPERATOR), reason="spam")
    thresholds.run_threshold_job()
    alert.refresh_from_db()
    assert not alert.is_open
    # The crossing whose case the POC rejected does not come back every minute; a new reason opens the next case.
    assert AreaAlert.objects.filter(is_open=True).count() == 0
    dengue.record_dengue_case(
        staff(Role.HEALTH_OFFICER), village=alert.village, rw=3, onset_date=timezone.localdate(clock.now())
    )
    assert AreaAlert.objects.filter(is_open=True).count() == 1
