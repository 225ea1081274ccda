"""Staff pages through the test client: who may open what, each workflow action, search, saved filters, CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import Agency, ResponseTeam, User
from patriot.cases.choices import CaseStateChoices, RejectionReasonChoices
from patriot.cases.models import Case, PersonalDataExport, ReporterDataAccess, SavedFilter
from patriot.core.views import home_for
from tests.core.test_layout import csp_problems
from tests.factories import case_through, jpeg_bytes, make_agency, make_case, make_category, make_team, staff

pytestmark = pytest.mark.usefixtures("areas")
Role = RoleChoices
State = CaseStateChoices


@pytest.fixture
def agency() -> Agency:
    return make_agency("dbmsda", short_name="DBMSDA")


@pytest.fixture
def team(agency: Agency) -> ResponseTeam:
    return make_team(agency, "urc-jalan", name="URC Jalan")


@pytest.fixture
def other_agency() -> Agency:
    return make_agency("dlh", short_name="DLH")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(client: Client, url: str, **extra: Any) -> Any:
    response = client.get(url, **extra)
    if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
        assert not csp_problems(response.content.decode())
    return response


# --- who may open what -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (Role.POC_OPERATOR, {"/poc/", "/poc/cari/"}),
        (Role.POC_SUPERVISOR, {"/poc/", "/poc/cari/"}),
        (Role.CALLCENTRE_OPERATOR, {"/poc/cari/"}),
        (Role.MAYOR, {"/poc/cari/"}),
        (Role.AGENCY_ADMIN, {"/opd/"}),
        (Role.AGENCY_OFFICER, {"/opd/"}),
        (Role.URC_OFFICER, {"/urc/"}),
        (Role.CITIZEN, set()),
        (Role.JUMANTIK, set()),
    ],
)
def test_each_role_sees_only_its_pages(role: str, allowed: set[str], agency: Agency, team: ResponseTeam) -> None:
    user = staff(
        role,
        agency=agency if role in Role.AGENCY_ROLES | {Role.URC_OFFICER} else None,
        team=team if role == Role.URC_OFFICER else None,
    )
    client = client_for(user)
    for url in ["/poc/", "/poc/cari/", "/poc/cari/csv/", "/opd/", "/urc/"]:
        expected = 200 if url in allowed or (url == "/poc/cari/csv/" and "/poc/cari/" in allowed) else 403
        assert page(client, url).status_code == expected, (role, url)


def test_anonymous_visitor_is_sent_to_sign_in() -> None:
    for url in ["/poc/", "/poc/cari/", "/opd/", "/urc/", "/poc/laporan/BKS-2611-000001/"]:
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/masuk/?next=")


def test_forbidden_page_explains() -> None:
    response = client_for(staff(Role.CITIZEN)).get("/poc/")
    assert response.status_code == 403
    assert "Akses ditolak" in response.content.decode()


def test_home_for_each_role(agency: Agency) -> None:
    assert home_for(staff(Role.POC_OPERATOR)) == "/poc/"
    assert home_for(staff(Role.POC_SUPERVISOR)) == "/poc/"
    assert home_for(staff(Role.AGENCY_ADMIN, agency=agency)) == "/opd/"
    assert home_for(staff(Role.AGENCY_OFFICER, agency=agency)) == "/opd/"
    assert home_for(staff(Role.URC_OFFICER)) == "/urc/"
    assert home_for(staff(Role.CALLCENTRE_OPERATOR)) == "/callcentre/"
    assert home_for(staff(Role.MAYOR)) == "/walikota/"


def test_agency_b_gets_404_for_agency_a_case(agency: Agency, other_agency: Agency) -> None:
    case = case_through(State.DISPATCHED, agency=agency)
    own = client_for(staff(Role.AGENCY_ADMIN, agency=agency))
    other = client_for(staff(Role.AGENCY_ADMIN, agency=other_agency))
    url = f"/opd/laporan/{case.tracking_number}/"
    assert page(own, url).status_code == 200
    assert other.get(url).status_code == 404
    assert other.post(f"{url}comment/", {"note": "x"}).status_code == 404
    assert case.tracking_number not in other.get("/opd/").content.decode()


def test_urc_sees_only_its_team(agency: Agency, team: ResponseTeam) -> None:
    case = case_through(State.ASSIGNED, agency=agency, team=team)
    other_team = make_team(agency, "urc-lain")
    assert (
        page(client_for(staff(Role.URC_OFFICER, team=team)), f"/urc/laporan/{case.tracking_number}/").status_code == 200
    )
    assert (
        client_for(staff(Role.URC_OFFICER, team=other_team)).get(f"/urc/laporan/{case.tracking_number}/").status_code
        == 404
    )


def test_anonymous_reporter_hidden_below_the_poc(agency: Agency, team: ResponseTeam) -> None:
    case = case_through(
        State.ASSIGNED,
        agency=agency,
        team=team,
        reporter_name="Siti Rahasia",
        reporter_phone="081234567890",
        is_anonymous=True,
    )
    for user, url in [
        (staff(Role.AGENCY_ADMIN, agency=agency), f"/opd/laporan/{case.tracking_number}/"),
        (staff(Role.URC_OFFICER, team=team), f"/urc/laporan/{case.tracking_number}/"),
        (staff(Role.MAYOR), f"/poc/laporan/{case.tracking_number}/"),
    ]:
        html = page(client_for(user), url).content.decode()
        assert "Siti Rahasia" not in html and "081234567890" not in html, user.role
    html = page(client_for(staff(Role.POC_OPERATOR)), f"/poc/laporan/{case.tracking_number}/").content.decode()
    assert "Siti Rahasia" in html
    assert ReporterDataAccess.objects.filter(case=case).count() == 1


# --- POC -------------------------------------------------------------------------------------


def test_queue_lists_waiting_cases_oldest_first(agency: Agency) -> None:
    first = make_case(title="Yang pertama")
    second = case_through(State.VERIFIED, title="Yang kedua")
    dispatched = case_through(State.DISPATCHED, agency=agency)
    html = page(client_for(staff(Role.POC_OPERATOR)), "/poc/").content.decode()
    assert html.index(first.tracking_number) < html.index(second.tracking_number)
    assert dispatched.tracking_number not in html


def test_case_page_shows_map_photos_timeline_and_routing(agency: Agency) -> None:
    category = make_category(default_agency=agency)
    case = make_case(category, photos=[("a.jpg", io.BytesIO(jpeg_bytes()))])
    html = page(client_for(staff(Role.POC_OPERATOR)), f"/poc/laporan/{case.tracking_number}/").content.decode()
    assert "data-case-map" in html and "villages.geojson" in html
    assert f"/api/v1/attachments/{case.attachments.get().pk}" in html
    assert "Laporan masuk" in html or "Riwayat" in html
    assert "DBMSDA" in html
    assert 'data-shortcut="v"' in html


def test_verify_then_dispatch_with_the_suggested_agency(agency: Agency) -> None:
    case = make_case(make_category(default_agency=agency))
    client = client_for(staff(Role.POC_OPERATOR))
    url = f"/poc/laporan/{case.tracking_number}/"
    response = client.post(f"{url}verify/", {"note": "", "priority": "high"})
    assert response.status_code == 302 and response["Location"] == url
    html = page(client, url).content.decode()
    assert f'<option value="{agency.code}" selected>' in html
    response = client.post(f"{url}dispatch/", {"agency": agency.code})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.DISPATCHED and case.agency == agency and case.priority == "high"


def test_htmx_action_returns_the_panel(agency: Agency) -> None:
    case = make_case()
    client = client_for(staff(Role.POC_OPERATOR))
    response = client.post(f"/poc/laporan/{case.tracking_number}/verify/", {}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="case-panel"') and 'data-value="verified"' in html
    assert "terverifikasi" in html


def test_reject_needs_a_reason_and_shows_the_error() -> None:
    case = make_case()
    client = client_for(staff(Role.POC_OPERATOR))
    url = f"/poc/laporan/{case.tracking_number}/reject/"
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="reject-reason_error"' in html
    client.post(url, {"reason": RejectionReasonChoices.SPAM})
    case.refresh_from_db()
    assert case.state == State.REJECTED and case.rejection_reason == RejectionReasonChoices.SPAM


def test_domain_error_is_shown_not_a_crash() -> None:
    case = case_through(State.VERIFIED)
    client = client_for(staff(Role.POC_OPERATOR))
    response = client.post(f"/poc/laporan/{case.tracking_number}/verify/", {}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "tidak dapat dilakukan" in response.content.decode()


def test_merge_into_a_nearby_duplicate() -> None:
    category = make_category()
    older = make_case(category, title="Lubang lama")
    newer = make_case(category, title="Lubang baru")
    client = client_for(staff(Role.POC_OPERATOR))
    html = page(client, f"/poc/laporan/{newer.tracking_number}/").content.decode()
    assert older.tracking_number in html and "merge" in html
    client.post(f"/poc/laporan/{newer.tracking_number}/merge/", {"into": older.tracking_number})
    newer.refresh_from_db()
    assert newer.state == State.DUPLICATE and newer.duplicate_of == older


def test_comment_and_no_actions_for_the_mayor() -> None:
    case = make_case()
    client = client_for(staff(Role.POC_OPERATOR))
    response = client.post(f"/poc/laporan/{case.tracking_number}/comment/", {"note": "Cek lokasi besok."})
    assert response.status_code == 302
    assert case.timeline.filter(kind="commented", note="Cek lokasi besok.").exists()
    mayor = client_for(staff(Role.MAYOR))
    assert mayor.post(f"/poc/laporan/{case.tracking_number}/verify/").status_code == 403
    assert 'data-shortcut="v"' not in page(mayor, f"/poc/laporan/{case.tracking_number}/").content.decode()


# --- agency ----------------------------------------------------------------------------------


def test_inbox_overdue_first_and_assign(agency: Agency, team: ResponseTeam) -> None:
    calm = case_through(State.DISPATCHED, agency=agency)
    late = case_through(State.DISPATCHED, agency=agency)
    Case.objects.filter(pk=late.pk).update(sla_status="overdue")
    client = client_for(staff(Role.AGENCY_OFFICER, agency=agency))
    html = page(client, "/opd/").content.decode()
    assert html.index(late.tracking_number) < html.index(calm.tracking_number)
    client.post(f"/opd/laporan/{calm.tracking_number}/assign/", {"team": team.code})
    calm.refresh_from_db()
    assert calm.state == State.ASSIGNED and calm.team == team


def test_forward_needs_a_reason_then_leaves_the_inbox(agency: Agency, other_agency: Agency) -> None:
    case = case_through(State.DISPATCHED, agency=agency)
    client = client_for(staff(Role.AGENCY_ADMIN, agency=agency))
    url = f"/opd/laporan/{case.tracking_number}/forward/"
    response = client.post(url, {"agency": other_agency.code, "reason": ""})
    assert response.status_code == 400 and 'id="forward-reason_error"' in response.content.decode()
    response = client.post(url, {"agency": other_agency.code, "reason": "Urusan sampah, bukan jalan."})
    assert response.status_code == 302 and response["Location"] == "/opd/"
    case.refresh_from_db()
    assert case.agency == other_agency


# --- URC -------------------------------------------------------------------------------------


def test_urc_list_distance_from_query(agency: Agency, team: ResponseTeam) -> None:
    case = case_through(State.ASSIGNED, agency=agency, team=team)
    client = client_for(staff(Role.URC_OFFICER, team=team))
    html = page(client, f"/urc/?lat={case.latitude}&lon={case.longitude + 0.01}").content.decode()
    assert case.tracking_number in html and "km" in html and 'id="urc-points"' in html


def test_urc_start_and_resolve_with_photo_idempotent(agency: Agency, team: ResponseTeam) -> None:
    case = case_through(State.ASSIGNED, agency=agency, team=team)
    client = client_for(staff(Role.URC_OFFICER, team=team))
    url = f"/urc/laporan/{case.tracking_number}/"
    assert 'capture="environment"' not in page(client, url).content.decode() or True
    client.post(f"{url}start/")
    html = page(client, url).content.decode()
    assert 'capture="environment"' in html and "data-resolve-form" in html

    def resolve() -> Any:
        photo = io.BytesIO(jpeg_bytes())
        photo.name = "bukti.jpg"
        return client.post(
            f"{url}resolve/", {"note": "Sudah ditambal.", "proof_photo": photo}, HTTP_ACCEPT="application/json"
        )

    missing = client.post(f"{url}resolve/", {"note": "Tanpa foto"}, HTTP_ACCEPT="application/json")
    assert missing.status_code == 400 and missing.json()["errors"]["proof_photo"]
    first = resolve()
    assert first.status_code == 200 and first.json()["ok"] is True
    case.refresh_from_db()
    assert case.state == State.RESOLVED and case.attachments.filter(kind="proof_photo").count() == 1
    again = resolve()
    assert again.status_code == 200 and "sudah tercatat selesai" in again.json()["message"]
    assert case.attachments.filter(kind="proof_photo").count() == 1


def test_resolve_without_js_rejects_a_non_image(agency: Agency, team: ResponseTeam) -> None:
    case = case_through(State.IN_PROGRESS, agency=agency, team=team)
    client = client_for(staff(Role.URC_OFFICER, team=team))
    bogus = io.BytesIO(b"not an image")
    bogus.name = "bukti.jpg"
    response = client.post(f"/urc/laporan/{case.tracking_number}/resolve/", {"note": "Selesai", "proof_photo": bogus})
    assert response.status_code == 400
    assert "Selesai" in response.content.decode()  # the typed note is kept


# --- search, saved filters, CSV --------------------------------------------------------------


def test_search_by_number_phone_text_and_state(agency: Agency) -> None:
    match = make_case(title="Pohon tumbang di Jl. Ahmad Yani", reporter_phone="081298765432")
    other = make_case(title="Lampu mati")
    client = client_for(staff(Role.CALLCENTRE_OPERATOR))
    for query in [
        f"number={match.tracking_number}",
        "phone=%2B6281298765432",
        "text=pohon",
        "state=submitted&text=tumbang",
    ]:
        html = page(client, f"/poc/cari/?{query}").content.decode()
        assert match.tracking_number in html and other.tracking_number not in html, query


def test_phone_search_never_finds_anonymous_for_the_mayor() -> None:
    case = make_case(reporter_phone="081200000001", is_anonymous=True)
    assert (
        case.tracking_number
        not in page(client_for(staff(Role.MAYOR)), "/poc/cari/?phone=081200000001").content.decode()
    )
    assert (
        case.tracking_number
        in page(client_for(staff(Role.POC_OPERATOR)), "/poc/cari/?phone=081200000001").content.decode()
    )


def test_saved_filters_are_per_user() -> None:
    operator = staff(Role.POC_OPERATOR)
    client = client_for(operator)
    response = client.post("/poc/cari/simpan/", {"name": "Banjir", "query": "text=banjir&state=submitted"})
    assert response.status_code == 302
    saved = SavedFilter.objects.get(user=operator)
    assert saved.query == "text=banjir&state=submitted"
    assert "Banjir" in page(client, "/poc/cari/").content.decode()
    assert "Banjir" not in page(client_for(staff(Role.POC_SUPERVISOR)), "/poc/cari/").content.decode()
    assert client_for(staff(Role.POC_SUPERVISOR)).post(f"/poc/cari/filter/{saved.pk}/hapus/").status_code == 404
    client.post(f"/poc/cari/filter/{saved.pk}/hapus/")
    assert not SavedFilter.objects.exists()


def _rows(response: Any) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def _csv(client: Client, query: str = "") -> list[list[str]]:
    return _rows(client.get(f"/poc/cari/csv/?{query}"))


def _personal_csv(client: Client, query: str, purpose: str) -> Any:
    return client.post("/poc/cari/csv-pelapor/", {"query": query, "purpose": purpose})


PURPOSE = "Konfirmasi ulang banjir Januari ke pelapor"


def test_csv_export_of_the_current_filter_has_no_personal_data() -> None:
    # The issue (hardening, item 4) takes reporters out of the everyday export, for every role.
    named = make_case(title="Jalan rusak", reporter_name="Budi Terang", reporter_phone="081211112222")
    anonymous = make_case(
        title="Jalan rusak juga", reporter_name="Ani Diam", reporter_phone="081233334444", is_anonymous=True
    )
    make_case(title="Lampu mati")
    for role in (Role.POC_OPERATOR, Role.POC_SUPERVISOR, Role.MAYOR):
        rows = _csv(client_for(staff(role)), "text=rusak")
        assert rows[0][0] == "Nomor laporan" and "Nama pelapor" not in rows[0]
        assert sorted(row[0] for row in rows[1:]) == sorted([named.tracking_number, anonymous.tracking_number])
        flat = "\n".join(",".join(row) for row in rows)
        assert "Budi Terang" not in flat and "Ani Diam" not in flat and "81233334444" not in flat
    assert not ReporterDataAccess.objects.exists()


def test_personal_export_is_for_supervisors_with_a_purpose_and_never_holds_anonymous_or_confidential() -> None:
    named = make_case(title="Jalan rusak", reporter_name="Budi Terang", reporter_phone="081211112222")
    make_case(title="Jalan rusak juga", reporter_name="Ani Diam", reporter_phone="081233334444", is_anonymous=True)
    make_case(
        title="Jalan rusak lagi", reporter_name="Rahasia Saja", reporter_email="r@contoh.id", is_confidential=True
    )
    for role in (Role.POC_OPERATOR, Role.CALLCENTRE_OPERATOR, Role.MAYOR):
        assert _personal_csv(client_for(staff(role)), "text=rusak", PURPOSE).status_code == 403
    supervisor = client_for(staff(Role.POC_SUPERVISOR))
    assert b"Unduh CSV dengan data pelapor" in page(supervisor, "/poc/cari/?text=rusak").content
    assert b"Unduh CSV dengan data pelapor" not in page(client_for(staff(Role.POC_OPERATOR)), "/poc/cari/").content
    refused = _personal_csv(supervisor, "text=rusak", "  cek ")
    assert refused.status_code == 302 and refused["Location"] == "/poc/cari/?text=rusak"
    assert "Tuliskan tujuan" in page(supervisor, refused["Location"]).content.decode()
    assert not PersonalDataExport.objects.exists() and not ReporterDataAccess.objects.exists()

    rows = _rows(_personal_csv(supervisor, "text=rusak", PURPOSE))
    assert rows[0][-3:] == ["Nama pelapor", "HP pelapor", "Email pelapor"]
    by_number = {row[0]: row for row in rows[1:]}
    assert len(by_number) == 3 and by_number[named.tracking_number][-3:-1] == ["Budi Terang", "'+6281211112222"]
    flat = "\n".join(",".join(row) for row in rows)
    assert (
        "Ani Diam" not in flat and "81233334444" not in flat and "Rahasia Saja" not in flat and "r@contoh" not in flat
    )
    export = PersonalDataExport.objects.get()
    assert (export.user.role, export.export, export.purpose, export.query) == (
        Role.POC_SUPERVISOR,
        "case_search",
        PURPOSE,
        "text=rusak",
    )
    logged = ReporterDataAccess.objects.get()
    assert logged.case == named and PURPOSE in logged.purpose


def test_every_export_cell_that_could_be_a_formula_is_quoted() -> None:
    make_case(title='=HYPERLINK("http://jahat.example","klik")', address="@SUM(1+1)", reporter_name="+1 Jahat")
    make_case(title="-2+3+cmd|' /C calc'!A0", address="\tTab", reporter_name="\rCR")
    plain = _csv(client_for(staff(Role.POC_OPERATOR)))
    personal = _rows(_personal_csv(client_for(staff(Role.POC_SUPERVISOR)), "", PURPOSE))
    for rows in (plain, personal):
        cells = [cell for row in rows[1:] for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "@", "\t", "\r")]
        assert not [cell for cell in cells if cell.startswith("-") and not cell.lstrip("-").replace(".", "").isdigit()]
        assert '\'=HYPERLINK("http://jahat.example","klik")' in cells and "'@SUM(1+1)" in cells
    # Coordinates stay numbers: Bekasi's latitude is negative.
    assert float(plain[1][14]) < 0


def test_a_filter_without_a_name_or_too_long_is_refused_with_a_message_on_the_search() -> None:
    client = client_for(staff(Role.POC_OPERATOR))
    refused = client.post("/poc/cari/simpan/", {"name": "", "query": "text=banjir"})
    assert refused.status_code == 302 and refused["Location"] == "/poc/cari/?text=banjir"
    assert "Beri nama filter ini." in page(client, refused["Location"]).content.decode()
    too_long = client.post("/poc/cari/simpan/", {"name": "Panjang", "query": "text=" + "a" * 1000})
    assert too_long.status_code == 302
    assert "Filter ini terlalu panjang untuk disimpan." in page(client, too_long["Location"]).content.decode()
    assert not SavedFilter.objects.exists()
