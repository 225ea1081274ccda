"""The mayor's instructions ("disposisi pimpinan") over the JSON API: who may write, read and answer them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.accounts.services import create_api_token
from patriot.cases.choices import TimelineKindChoices
from patriot.cases.models import Case, Instruction, TimelineEntry
from patriot.events.models import OutboxEvent
from tests.cases.test_api import _walk_to_agency, auth, city, report  # noqa: F401 (city is a fixture)

pytestmark = pytest.mark.django_db


def post(path: str, body: dict[str, Any], token: str, **headers: Any) -> Any:
    return Client().post(path, body, content_type="application/json", **auth(token), **headers)


def instruct(number: str, token: str, text: str = "Segera tangani, laporkan hari ini.", **headers: Any) -> Any:
    return post(f"/api/v1/cases/{number}/instructions", {"text": text}, token, **headers)


def answer(instruction_id: int, token: str, text: str = "Tim sudah di lokasi.", **headers: Any) -> Any:
    return post(f"/api/v1/instructions/{instruction_id}/answer", {"answer": text}, token, **headers)


@pytest.fixture
def dispatched(city: dict[str, Any]) -> str:  # noqa: F811
    number = report(Client()).json()["tracking_number"]
    _walk_to_agency(number, city)
    return number


def test_mayor_instructs_and_gets_201_without_names(city: dict[str, Any], dispatched: str) -> None:  # noqa: F811
    mayor, token = city["mayor"]
    mayor.first_name, mayor.last_name = "Tri", "Adhianto"
    mayor.save()
    entries, events = TimelineEntry.objects.count(), OutboxEvent.objects.count()
    response = instruct(dispatched, token, "  Segera tangani, laporkan hari ini.  ")
    assert response.status_code == 201, response.content
    body = response.json()
    instruction = Instruction.objects.get()
    assert body == {
        "id": instruction.pk,
        "tracking_number": dispatched,
        "text": "Segera tangani, laporkan hari ini.",
        "author": "Wali kota",
        "created_at": body["created_at"],
        "answered": False,
        "answer": "",
        "answered_by": None,
        "answered_at": None,
    }
    assert instruction.author == mayor and body["created_at"]
    assert "Adhianto" not in response.content.decode() and '"mayor"' not in response.content.decode()
    entry = TimelineEntry.objects.latest("id")
    assert entry.kind == TimelineKindChoices.INSTRUCTED and entry.is_public is False
    assert (TimelineEntry.objects.count(), OutboxEvent.objects.count()) == (entries + 1, events + 1)
    # Internal: never on the public view of the case.
    public = Client().get(f"/api/v1/public/cases/{dispatched}").content.decode()
    assert "Segera tangani" not in public


@pytest.mark.parametrize(
    ("text", "code"), [("", "required"), ("   ", "required"), ("x" * 2001, "too_long")], ids=["empty", "blank", "long"]
)
def test_bad_instruction_text_is_400_and_changes_nothing(
    city: dict[str, Any],  # noqa: F811
    dispatched: str,
    text: str,
    code: str,
) -> None:
    entries = TimelineEntry.objects.count()
    response = instruct(dispatched, city["mayor"][1], text)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] == "text"
    assert response.json()["detail"].startswith("Isi disposisi")
    assert not Instruction.objects.exists()
    assert TimelineEntry.objects.count() == entries


def test_bad_input_messages_follow_the_request_language(city: dict[str, Any], dispatched: str) -> None:  # noqa: F811
    english = instruct(dispatched, city["mayor"][1], "", HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400
    assert english.json()["detail"] == "Instruction is required."
    missing = post(f"/api/v1/cases/{dispatched}/instructions", {}, city["mayor"][1])
    assert missing.status_code == 400
    assert missing.json()["field"] == "text"


@pytest.mark.parametrize("role", ["poc", "callcentre", "roads_admin", "roads_officer"])
def test_only_the_mayor_and_system_admin_instruct(city: dict[str, Any], dispatched: str, role: str) -> None:  # noqa: F811
    response = instruct(dispatched, city[role][1])
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not Instruction.objects.exists()


def test_system_admin_instructs(city: dict[str, Any], dispatched: str) -> None:  # noqa: F811
    admin = User.objects.create_user(username="root", password="not-used-here-123", role=RoleChoices.SYSTEM_ADMIN)
    response = instruct(dispatched, create_api_token(admin, "test")[1])
    assert response.status_code == 201
    assert response.json()["author"] == "Admin sistem"


def test_instruction_on_a_rejected_case_is_409(city: dict[str, Any]) -> None:  # noqa: F811
    number = report(Client()).json()["tracking_number"]
    rejected = post(f"/api/v1/cases/{number}/reject", {"reason": "spam"}, city["poc"][1])
    assert rejected.status_code == 200, rejected.content
    response = instruct(number, city["mayor"][1])
    assert response.status_code == 409
    assert not Instruction.objects.exists()


def test_unknown_case_is_404_and_no_token_is_401(city: dict[str, Any]) -> None:  # noqa: F811
    assert instruct("BKS-0000-000000", city["mayor"][1]).status_code == 404
    assert Client().get("/api/v1/cases/BKS-0000-000000/instructions").status_code == 401
    assert (
        Client().post("/api/v1/instructions/1/answer", {"answer": "x"}, content_type="application/json").status_code
        == 401
    )


def test_who_may_read_the_instructions(city: dict[str, Any], dispatched: str) -> None:  # noqa: F811
    first = instruct(dispatched, city["mayor"][1], "Pertama.").json()
    second = instruct(dispatched, city["mayor"][1], "Kedua.").json()
    for role in ("mayor", "poc", "callcentre", "roads_admin", "roads_officer"):
        response = Client().get(f"/api/v1/cases/{dispatched}/instructions", **auth(city[role][1]))
        assert response.status_code == 200, role
        assert [item["id"] for item in response.json()] == [first["id"], second["id"]]
    # Another agency never learns the case exists; a team sees only cases assigned to it.
    for role in ("env_officer", "urc"):
        hidden = Client().get(f"/api/v1/cases/{dispatched}/instructions", **auth(city[role][1]))
        assert hidden.status_code == 404, role
        assert hidden.json()["code"] == "not_found"


def test_instructions_are_never_shown_to_a_citizen_even_on_their_own_report(city: dict[str, Any]) -> None:  # noqa: F811
    citizen = User.objects.create_user(username="warga", password="not-used-here-123", role=RoleChoices.CITIZEN)
    token = create_api_token(citizen, "test")[1]
    number = report(Client()).json()["tracking_number"]
    Case.objects.filter(tracking_number=number).update(reporter=citizen)
    instruction = instruct(number, city["mayor"][1]).json()
    response = Client().get(f"/api/v1/cases/{number}/instructions", **auth(token))
    assert response.status_code == 403
    assert "Segera" not in response.content.decode()
    assert answer(instruction["id"], token).status_code == 403
    assert Instruction.objects.get().answered_at is None


def test_agency_answers_once(city: dict[str, Any], dispatched: str) -> None:  # noqa: F811
    officer, token = city["roads_officer"]
    officer.first_name = "Budi"
    officer.save()
    made = instruct(dispatched, city["mayor"][1]).json()
    events = OutboxEvent.objects.count()
    response = answer(made["id"], token, "  Tim sudah di lokasi.  ")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["answered"] is True
    assert body["answer"] == "Tim sudah di lokasi."
    assert body["answered_by"] == "Petugas OPD · DBMSDA"
    assert body["answered_at"] is not None
    assert body["author"] == "Wali kota" and body["tracking_number"] == dispatched
    assert "Budi" not in response.content.decode()
    entry = TimelineEntry.objects.latest("id")
    assert entry.kind == TimelineKindChoices.INSTRUCTION_ANSWERED and entry.is_public is False
    assert OutboxEvent.objects.count() == events + 1
    # The list shows the answer to the mayor, in English when asked.
    listed = Client().get(
        f"/api/v1/cases/{dispatched}/instructions", HTTP_ACCEPT_LANGUAGE="en", **auth(city["mayor"][1])
    )
    assert listed.json()[0]["answered_by"] == "Agency (OPD) officer · DBMSDA"
    assert listed.json()[0]["author"] == "Mayor"
    again = answer(made["id"], city["roads_admin"][1], "Jawaban kedua.")
    assert again.status_code == 409
    assert again.json()["code"] == "already_answered"
    assert Instruction.objects.get().answer == "Tim sudah di lokasi."


@pytest.mark.parametrize(("text", "code"), [("", "required"), ("x" * 2001, "too_long")], ids=["empty", "long"])
def test_bad_answer_is_400(city: dict[str, Any], dispatched: str, text: str, code: str) -> None:  # noqa: F811
    made = instruct(dispatched, city["mayor"][1]).json()
    response = answer(made["id"], city["roads_officer"][1], text)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == (code, "answer")
    assert Instruction.objects.get().answered_at is None


def test_who_may_answer_after_dispatch(city: dict[str, Any], dispatched: str) -> None:  # noqa: F811
    made = instruct(dispatched, city["mayor"][1]).json()
    for role in ("poc", "mayor", "callcentre"):
        assert answer(made["id"], city[role][1]).status_code == 403, role
    assert answer(made["id"], city["env_officer"][1]).status_code == 404
    assert answer(made["id"] + 1000, city["roads_officer"][1]).status_code == 404
    assert Instruction.objects.get().answered_at is None


def test_before_dispatch_the_poc_answers(city: dict[str, Any]) -> None:  # noqa: F811
    number = report(Client()).json()["tracking_number"]
    made = instruct(number, city["mayor"][1]).json()
    # No agency holds the case yet: its future agency cannot even see it.
    assert answer(made["id"], city["roads_officer"][1]).status_code == 404
    response = answer(made["id"], city["poc"][1], "Sedang diverifikasi.")
    assert response.status_code == 200
    assert response.json()["answered_by"] == "Operator POC"


def test_openapi_document_lists_the_instruction_endpoints(city: dict[str, Any]) -> None:  # noqa: F811
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    instructions = paths["/api/v1/cases/{tracking_number}/instructions"]
    assert set(instructions) == {"get", "post"}
    assert "201" in instructions["post"]["responses"]
    assert "409" in paths["/api/v1/instructions/{instruction_id}/answer"]["post"]["responses"]
    schema = response.json()["components"]["schemas"]["InstructionOut"]
    assert "author" in schema["properties"] and "answered_by" in schema["properties"]
