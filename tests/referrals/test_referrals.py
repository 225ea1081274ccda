"""Referrals (issue 12, items 4–7 and 10): creating, suggesting, sending to several, first accept wins with a bed
reserved, rejecting and sending on, the later steps, escalation, and who sees what."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.core import clock, registry
from patriot.core.errors import Forbidden, InvalidInput, InvalidTransition
from patriot.core.models import PersonalDataAccess
from patriot.events.audience import may_receive, may_receive_public
from patriot.events.models import OutboxEvent
from patriot.referrals import icd10, services
from patriot.referrals.models import BedChange, BedCount, PrimaryCareDiagnosis, Referral, ReferralOffer
from patriot.referrals.nik import check_nik, nik_digest
from tests.factories import make_agency, make_user
from tests.referrals.referral_fixtures import BORN, NIK, World, details, sent, world


@pytest.fixture
def w(db: None) -> World:
    return world()


# --- item 4: the referral and its patient -------------------------------------------------------------------


def test_nik_must_agree_with_birth_date_and_sex() -> None:
    assert check_nik("3275 0143 0390 0007", birth_date=BORN, sex="female") == NIK
    with pytest.raises(InvalidInput, match="16 angka"):
        check_nik("327501430390", birth_date=BORN, sex="female")
    with pytest.raises(InvalidInput, match="perempuan, tetapi jenis kelamin pasien laki-laki"):
        check_nik(NIK, birth_date=BORN, sex="male")
    with pytest.raises(InvalidInput, match="tidak sama dengan tanggal lahir"):
        check_nik(NIK, birth_date=date(1990, 3, 4), sex="female")
    with pytest.raises(InvalidInput, match="bukan tanggal lahir"):
        check_nik("3275019903900007", birth_date=BORN, sex="female")
    assert check_nik("3275010303900007", birth_date=BORN, sex="male")


def test_create_validates_and_stores_the_nik_searchable_but_not_plain(w: World) -> None:
    referral = services.create_referral(w.referrer, details())
    referral.refresh_from_db()
    assert referral.state == "draft" and referral.diagnoses == ["I63", "I10"]
    assert referral.relative_phone == "+6281234567890"
    assert referral.nik_digest == nik_digest(NIK) and NIK not in referral.nik_encrypted and referral.nik_last4 == "0007"
    assert referral.timeline.get().actor_label.endswith("PKM-A")
    for field, value, message in [
        ("spo2", 130, "SpO2"),
        ("gcs", 2, "GCS"),
        ("temperature", 50, "Suhu"),
        ("diastolic", 200, "diastolik"),
        ("bpjs_number", "123", "BPJS"),
        ("diagnoses", ["Q99.9"], "Q99.9"),
        ("relative_phone", "12", "Telepon keluarga"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            services.create_referral(w.referrer, details(**{field: value}))
    with pytest.raises(Forbidden):
        services.create_referral(w.dinkes, details())


def test_a_puskesmas_is_warned_for_a_primary_care_diagnosis(w: World) -> None:
    PrimaryCareDiagnosis.objects.create(code="J06", note="ISPA")
    with pytest.raises(InvalidInput, match="J06") as error:
        services.create_referral(w.referrer, details(diagnoses=["J06"], primary_care_acknowledged=False))
    assert error.value.code == "primary_care"
    referral = services.create_referral(w.referrer, details(diagnoses=["J06"], primary_care_acknowledged=True))
    assert referral.primary_care_warned
    PrimaryCareDiagnosis.objects.filter(code="J06").update(active=False)
    assert not services.create_referral(
        w.referrer, details(diagnoses=["J06"], primary_care_acknowledged=False)
    ).primary_care_warned


def test_icd10_search_by_code_indonesian_and_english() -> None:
    assert icd10.search("i63")[0].code == "I63"
    assert "I63" in [code.code for code in icd10.search("stroke")]
    assert "A91" in [code.code for code in icd10.search("berdarah dengue")]
    assert "A91" in [code.code for code in icd10.search("hemorrhagic")]
    assert icd10.get("I21.9").code == "I21"  # type: ignore[union-attr]


def test_the_form_page_creates_a_referral_and_shows_errors_in_indonesian(w: World) -> None:
    client = Client()
    client.force_login(w.referrer)
    data = {
        "patient_name": "Sari",
        "nik": NIK,
        "birth_date": "1990-03-03",
        "sex": "male",
        "relative_phone": "08123456789",
        "reason": "x",
        "diagnoses": "I63",
        "consciousness": "alert",
        "bed_type": "icu",
        "urgency": "emergency",
        "referring_doctor": "dr. A",
    }
    response = client.post("/rujukan/baru/", data)
    assert response.status_code == 400 and "NIK ini milik seorang perempuan" in response.content.decode()
    response = client.post("/rujukan/baru/", data | {"sex": "female"})
    assert response.status_code == 302
    assert Referral.objects.count() == 1


# --- item 5: suggestions and sending -------------------------------------------------------------------------


def test_suggestions_have_a_free_current_bed_nearest_first(w: World) -> None:
    referral = services.create_referral(w.referrer, details())
    BedCount.objects.filter(facility=w.other).update(occupied=5)  # full
    BedCount.objects.filter(facility=w.far).update(updated_at=clock.now())
    names = [s.facility.pk for s in services.suggest(referral)]
    assert names == [w.near.pk, w.far.pk]
    BedCount.objects.filter(facility=w.near).update(updated_at=clock.now() - timedelta(hours=7))  # stale
    assert [s.facility.pk for s in services.suggest(referral)] == [w.far.pk]


def test_only_an_emergency_goes_to_several_hospitals(w: World) -> None:
    referral = services.create_referral(w.referrer, details(urgency="urgent"))
    with pytest.raises(InvalidInput, match="satu rumah sakit"):
        services.send(w.referrer, referral, [w.near.pk, w.far.pk])
    services.send(w.referrer, referral, [w.near.pk])
    with pytest.raises(InvalidInput, match="satu rumah sakit"):
        services.send(w.referrer, referral, [w.far.pk])
    with pytest.raises(Forbidden):
        services.send(w.other_puskesmas_staff, referral, [w.far.pk])


def test_first_to_accept_wins_the_bed_is_reserved_and_the_others_withdrawn(w: World) -> None:
    referral = sent(w, w.near, w.far, w.other)
    services.reject(w.near_staff, referral, "no_bed")
    referral.refresh_from_db()
    assert referral.state == "requested"
    before = BedCount.objects.get(facility=w.far, bed_type="icu")
    services.accept(w.far_staff, referral)
    referral.refresh_from_db()
    bed = BedCount.objects.get(facility=w.far, bed_type="icu")
    assert referral.state == "accepted" and referral.accepted_offer.facility == w.far  # type: ignore[union-attr]
    assert (bed.reserved, bed.free) == (before.reserved + 1, before.free - 1)
    assert BedChange.objects.filter(bed_count=bed, source="referral").count() == 1
    states = dict(ReferralOffer.objects.filter(referral=referral).values_list("facility_id", "state"))
    assert states == {w.near.pk: "rejected", w.far.pk: "accepted", w.other.pk: "withdrawn"}
    with pytest.raises(InvalidTransition):
        services.accept(w.other_staff, referral)
    kinds = list(referral.timeline.values_list("kind", flat=True))
    assert kinds == ["created", "sent", "sent", "sent", "rejected", "accepted", "withdrawn"]


def test_accepting_needs_a_free_bed(w: World) -> None:
    referral = sent(w, w.near)
    BedCount.objects.filter(facility=w.near).update(occupied=5)
    with pytest.raises(InvalidInput, match="Tidak ada tempat tidur"):
        services.accept(w.near_staff, referral)
    assert BedChange.objects.count() == 0


def test_a_rejected_referral_goes_to_the_next_hospital_in_one_action(w: World) -> None:
    referral = sent(w, w.near, urgency="urgent")
    with pytest.raises(InvalidInput, match="alasan lainnya"):
        services.reject(w.near_staff, referral, "other")
    services.reject(w.near_staff, referral, "no_specialist")
    referral.refresh_from_db()
    assert referral.state == "rejected" and "spesialis" in referral.status_reason
    client = Client()
    client.force_login(w.referrer)
    page = client.get(f"/rujukan/{referral.pk}/").content.decode()
    assert "Kirim ke rumah sakit berikutnya: RS-OTHER" in page or "Kirim ke rumah sakit berikutnya: RS-FAR" in page
    assert "Tidak ada dokter spesialis" in page and "no_specialist" not in page
    assert client.post(f"/rujukan/{referral.pk}/kirim/", {"next": "1"}).status_code == 302
    referral.refresh_from_db()
    assert referral.state == "requested" and referral.offers.filter(state="pending").count() == 1


# --- items 6 and 7: answer targets, later steps --------------------------------------------------------------


def test_late_answers_are_escalated_once_with_a_count_for_the_poc(w: World) -> None:
    referral = sent(w, w.near, w.far)
    assert services.escalate_overdue() == 0
    with clock.pinned(clock.now() + timedelta(minutes=11)):
        assert services.escalate_overdue() == 2
        assert services.escalate_overdue() == 0
    entry = referral.timeline.filter(kind="escalated").first()
    assert entry is not None and not entry.is_public
    event = OutboxEvent.objects.filter(kind="referral.escalated").first()
    assert event is not None and event.payload["escalated"] is True and "Sari" not in str(event.payload)
    poc = make_user(RoleChoices.POC_OPERATOR)
    assert may_receive(poc, event)
    client = Client()
    client.force_login(make_user(RoleChoices.POC_SUPERVISOR))
    from patriot.referrals.referral_queries import escalated_count

    assert escalated_count() == 2


def test_transport_arrival_admission_completion_and_back_referral(w: World) -> None:
    referral = sent(w, w.near)
    services.accept(w.near_staff, referral)
    requested: list[registry.TransferRequest] = []
    emergency_requester = registry.transfer_requester()
    registry.register_transfer_requester(requested.append)
    try:
        with pytest.raises(Forbidden):
            services.depart(w.near_staff, referral, "ambulance")
        services.depart(w.referrer, referral, "ambulance")
    finally:
        registry.register_transfer_requester(emergency_requester)
    assert [(r.referral_id, r.urgency, r.destination_unit_id) for r in requested] == [
        (referral.pk, "emergency", w.near.unit_id)
    ]
    with pytest.raises(Forbidden):
        services.step(w.far_staff, referral, "arrive")
    services.step(w.near_staff, referral, "arrive")
    services.step(w.near_staff, referral, "admit")
    bed = BedCount.objects.get(facility=w.near, bed_type="icu")
    assert (bed.reserved, bed.occupied) == (0, 4)
    services.step(w.near_staff, referral, "complete")
    with pytest.raises(InvalidInput, match="Catatan pulang"):
        services.step(w.near_staff, referral, "back_refer")
    services.step(w.near_staff, referral, "back_refer", "Kontrol ke puskesmas")
    referral.refresh_from_db()
    assert referral.state == "back_referred" and referral.back_referral_note == "Kontrol ke puskesmas"
    entries = list(referral.timeline.values_list("kind", "actor_label"))
    assert ("ambulance_requested", "Petugas puskesmas · PKM-A") in entries
    assert ("admitted", "Petugas rumah sakit · RS-NEAR") in entries
    assert entries[-1][0] == "back_referred"
    with pytest.raises(InvalidTransition):
        services.step(w.near_staff, referral, "admit")


def test_cancelling_an_accepted_referral_frees_the_reserved_bed(w: World) -> None:
    referral = sent(w, w.near)
    services.accept(w.near_staff, referral)
    services.step(w.referrer, referral, "cancel", "Pasien menolak dirujuk")
    bed = BedCount.objects.get(facility=w.near, bed_type="icu")
    assert bed.reserved == 0 and Referral.objects.get().state == "cancelled"


# --- item 10: who sees what ----------------------------------------------------------------------------------


def test_patient_details_reach_only_the_referrer_the_hospital_that_accepted_and_dinkes(w: World) -> None:
    referral = sent(w, w.near)
    services.accept(w.near_staff, referral)
    url = f"/rujukan/{referral.pk}/"
    for user in (w.referrer, w.near_staff, w.dinkes):
        client = Client()
        client.force_login(user)
        page = client.get(url).content.decode()
        assert "Sari Wulandari" in page and NIK in page, user.username
    mayor = make_user(RoleChoices.MAYOR)
    poc = make_user(RoleChoices.POC_SUPERVISOR)
    citizen = make_user(RoleChoices.CITIZEN)
    puskesmas_officer = make_user(RoleChoices.HEALTH_OFFICER, unit=w.puskesmas.unit)
    for user in (w.far_staff, w.other_puskesmas_staff, mayor, poc, citizen, puskesmas_officer):
        client = Client()
        client.force_login(user)
        response = client.get(url)
        assert response.status_code in (403, 404), user.username
        assert "Sari" not in response.content.decode()
    assert Client().get(url).status_code == 302
    reads = PersonalDataAccess.objects.filter(subject_type="referral", subject_id=str(referral.pk))
    assert {row.user.username for row in reads} == {"pkm-staff", "near-staff", "dinkes-1"}
    assert all(row.purpose for row in reads)


def test_lists_mask_the_nik_and_dinkes_finds_it_by_exact_match(w: World) -> None:
    sent(w, w.near)
    client = Client()
    client.force_login(w.near_staff)
    page = client.get("/rujukan/masuk/").content.decode()
    assert "RJK-" in page and NIK not in page
    client.force_login(w.referrer)
    page = client.get("/rujukan/keluar/").content.decode()
    assert "************0007" in page and NIK not in page
    client.force_login(w.dinkes)
    assert "RJK-" in client.post("/rujukan/semua/", {"nik": NIK}).content.decode()
    assert "RJK-" not in client.post("/rujukan/semua/", {"nik": "3275014303900008"}).content.decode()
    client.force_login(w.far_staff)
    assert "RJK-" not in client.get("/rujukan/masuk/").content.decode()
    assert client.get("/rujukan/semua/").status_code == 403


def test_referral_events_reach_only_the_units_concerned_dinkes_never_the_public(w: World) -> None:
    referral = sent(w, w.near, w.far)
    events = list(OutboxEvent.objects.filter(subject_type="referral", kind="referral.sent"))
    assert len(events) == 2
    to_near = next(e for e in events if w.near.unit_id in e.payload["units"])
    assert may_receive(w.near_staff, to_near) and may_receive(w.referrer, to_near) and may_receive(w.dinkes, to_near)
    assert not may_receive(w.far_staff, to_near)
    assert not may_receive(w.other_staff, to_near)
    assert not may_receive(w.other_puskesmas_staff, to_near)
    for role in (RoleChoices.POC_OPERATOR, RoleChoices.MAYOR, RoleChoices.CITIZEN, RoleChoices.CALLCENTRE_OPERATOR):
        assert not may_receive(make_user(role), to_near), role
    for event in OutboxEvent.objects.filter(subject_type="referral"):
        assert not may_receive_public(event)
        assert "Sari" not in str(event.payload) and NIK not in str(event.payload)
    assert referral.pk


def test_a_puskesmas_or_another_agencys_health_officer_is_not_dinkes(w: World) -> None:
    sent(w, w.near)
    event = OutboxEvent.objects.filter(subject_type="referral").first()
    officer: User = make_user(RoleChoices.HEALTH_OFFICER, unit=w.puskesmas.unit)
    assert event is not None and not may_receive(officer, event)
    assert not may_receive(make_user(RoleChoices.HEALTH_OFFICER, agency=make_agency("dinkes-2")), event)
    assert may_receive(w.dinkes, event)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent accepts need PostgreSQL row locks")
def test_two_hospitals_accepting_at_once_one_wins_one_bed_reserved() -> None:
    w = world()
    referral = sent(w, w.near, w.far)
    start = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def work(user: User) -> None:
        start.wait()
        try:
            services.accept(user, Referral.objects.get(pk=referral.pk))
            outcomes[user.username] = "won"
        except InvalidTransition:
            outcomes[user.username] = "lost"
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(u,)) for u in (w.near_staff, w.far_staff)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["lost", "won"]
    assert sum(BedCount.objects.filter(bed_type="icu").values_list("reserved", flat=True)) == 1
    assert ReferralOffer.objects.filter(state="accepted").count() == 1


def test_a_hospital_that_rejected_or_was_withdrawn_no_longer_sees_the_patient(w: World) -> None:
    referral = sent(w, w.near, w.far, w.other)
    services.reject(w.far_staff, referral, "no_bed")
    services.accept(w.near_staff, referral)
    url = f"/rujukan/{referral.pk}/"
    for user in (w.far_staff, w.other_staff):
        client = Client()
        client.force_login(user)
        assert client.get(url).status_code == 404, user.username
        incoming = client.get("/rujukan/masuk/").content.decode()
        assert (
            referral.number in incoming and "Sari" not in incoming and "*0007" not in incoming
        )  # the masked NIK (a number may hold 0007)
    client = Client()
    client.force_login(w.near_staff)
    page = client.get(url).content.decode()
    assert "Sari Wulandari" in page
    assert "RS-FAR" not in page and "RS-OTHER" not in page  # the other hospitals' answers are not its business
