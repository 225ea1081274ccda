"""A new app plugs in with no edit outside its folder and the settings' app list (issue 10, "How it will be
checked"): a process with tests/throwaway installed (tests.throwaway.settings) sees its page, start page, menu
entry, periodic job, seed step, event type, gauge, readiness check and workspace panels; this process, without it, sees none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from patriot.core import registry
from patriot.events.audience import Subscriber, may_subscribe

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import json
from io import StringIO

import django

django.setup()
from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
call_command("migrate", verbosity=0)
seed_output = StringIO()
call_command("seed", stdout=seed_output)

from patriot.accounts.choices import RoleChoices as Role
from patriot.accounts.models import User
from patriot.core import health, metrics, worker
from patriot.core.views import home_for
from patriot.events.audience import Subscriber, may_receive, may_receive_public, may_subscribe
from patriot.events.models import OutboxEvent
from tests.throwaway import plugin

worker.run_jobs_once()
users = {role: User.objects.create(username=role, role=role) for role in Role.values()}
menus, pages = {}, {}
for role in (Role.JUMANTIK, Role.POC_OPERATOR, Role.SYSTEM_ADMIN):
    client = Client()
    client.force_login(users[role])
    menus[role] = client.get("/").content.decode().split('<nav class="site-nav"', 1)[1].split("</nav>", 1)[0]
    pages[role] = client.get("/buang/").status_code
panels = {}
for role in (Role.POC_OPERATOR, Role.MAYOR, Role.POC_SUPERVISOR):
    client = Client()
    client.force_login(users[role])
    panels[role] = {
        "dashboard": client.get("/poc/dasbor/").content.decode().count('data-panel="throwaway-week"'),
        "mayor": client.get("/walikota/").content.decode().count('data-panel="throwaway-mayor"'),
    }
admin = Client()
admin.force_login(users[Role.SYSTEM_ADMIN])
jobs_page = admin.get("/sistem/pekerjaan/").content.decode()
event = OutboxEvent(subject_type="larva", subject_id="1", kind="larva.found", payload={}, is_public=True)
print(json.dumps({
    "jobs": {job.name: job.interval for job in worker.jobs()},
    "counted": len(plugin.COUNTED),
    "jobs_page_row": jobs_page.split('data-job="throwaway-count"', 1)[1].split("</tr>", 1)[0],
    "start_page": home_for(users[Role.JUMANTIK]),
    "menus": menus,
    "pages": pages,
    "panels": panels,
    "seed": seed_output.getvalue().splitlines(),
    "seeded": plugin.SEEDED,
    "receivers": sorted(role for role, user in users.items() if may_receive(Subscriber.of(user), event)),
    "public": may_receive_public(event),
    "subscribers": sorted(role for role, user in users.items() if may_subscribe(Subscriber.of(user))),
    "ready": health.readiness()[1]["checks"]["throwaway"]["state"],
    "metrics": metrics.exposition().decode(),
}))
"""


@pytest.fixture(scope="module")
def child(tmp_path_factory: pytest.TempPathFactory) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PATRIOT_", "DJANGO_"))}
    database = tmp_path_factory.mktemp("throwaway") / "db.sqlite3"
    environment.update(
        DJANGO_SETTINGS_MODULE="tests.throwaway.settings",
        PATRIOT_DATABASE_URL=f"sqlite:///{database}",
        PATRIOT_SECURE_COOKIES="0",
    )
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", CHILD], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answer: dict = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def test_this_process_without_the_app_sees_none_of_it() -> None:
    assert registry.event_type("larva") is None
    assert not may_subscribe(Subscriber(role="jumantik", agency_id=None, team_id=None))
    assert "throwaway-count" not in {job.name for job in registry.periodic_jobs()}
    assert "throwaway-sites" not in {step.name for step in registry.seed_steps(demo=False)}
    assert "throwaway" not in registry.readiness_checks()
    assert not any(entry.url_name == "throwaway-home" for entry in registry.menu_entries("jumantik"))
    assert not any(panel.name == "throwaway-week" for panel in registry.workspace_panels("poc-dashboard", "mayor"))


def test_the_worker_runs_its_job_and_the_system_admin_sees_it(child: dict) -> None:
    assert child["jobs"]["throwaway-count"] == 30
    assert child["counted"] == 1
    assert ">30<" in child["jobs_page_row"] and ">1<" in child["jobs_page_row"]


def test_its_role_lands_on_its_page_and_sees_its_menu_entry(child: dict) -> None:
    assert child["start_page"] == "/buang/"
    assert '<a href="/buang/">Survei jentik</a>' in child["menus"]["jumantik"]
    assert "/buang/" not in child["menus"]["poc_operator"] and "/buang/" not in child["menus"]["system_admin"]
    assert child["pages"] == {"jumantik": 200, "poc_operator": 200, "system_admin": 200}


def test_seed_runs_its_step_in_order(child: dict) -> None:
    assert child["seeded"] == ["sites"]
    lines = child["seed"]
    # Order 50: after the core reference data (categories, routing rules), last of the steps without demo data.
    assert lines.index("Lokasi survei jentik: 3 (3 baru)") == len(lines) - 1
    assert any(line.startswith("Aturan disposisi:") for line in lines[:-1])


def test_its_event_type_reaches_the_declared_audience_only(child: dict) -> None:
    assert child["receivers"] == ["jumantik"]
    assert child["public"] is False
    # Jumantik may now open the staff stream; the other health roles still may not.
    assert "jumantik" in child["subscribers"] and "ambulance_crew" not in child["subscribers"]


def test_its_gauge_and_readiness_check_are_read(child: dict) -> None:
    assert child["ready"] == "ok"
    assert "patriot_throwaway_sites 3.0" in child["metrics"]
    assert "patriot_cases_open" in child["metrics"]


def test_its_workspace_panels_show_to_the_roles_they_name(child: dict) -> None:
    assert child["panels"] == {
        "poc_operator": {"dashboard": 1, "mayor": 0},
        "mayor": {"dashboard": 1, "mayor": 1},
        "poc_supervisor": {"dashboard": 1, "mayor": 0},
    }
