"""accounts 0003: a database with agencies, URC teams and their staff from before organisation units gets a unit per
agency and team, and every agency or URC member joins theirs."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0002_totp_device")]
AFTER = [("accounts", "0003_organisation_units")]


@pytest.mark.django_db(transaction=True)
def test_existing_agencies_teams_and_staff_get_their_units() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        old = executor.loader.project_state(BEFORE).apps
        Agency = old.get_model("accounts", "Agency")
        ResponseTeam = old.get_model("accounts", "ResponseTeam")
        User = old.get_model("accounts", "User")
        dlh = Agency.objects.create(code="dlh", short_name="DLH", name="Dinas Lingkungan Hidup")
        dbmsda = Agency.objects.create(code="dbmsda", short_name="DBMSDA", name="Dinas Bina Marga", is_active=False)
        team = ResponseTeam.objects.create(agency=dlh, code="urc-dlh-kebersihan", name="URC Kebersihan")
        User.objects.create(username="officer", role="agency_officer", agency=dlh)
        User.objects.create(username="urc", role="urc_officer", agency=dlh, team=team)
        User.objects.create(username="bm", role="agency_admin", agency=dbmsda)
        User.objects.create(username="poc", role="poc_operator")
        User.objects.create(username="warga", role="citizen")

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        Unit = new.get_model("accounts", "OrganisationUnit")
        Agency = new.get_model("accounts", "Agency")
        ResponseTeam = new.get_model("accounts", "ResponseTeam")
        User = new.get_model("accounts", "User")

        units = {(u.kind, u.code): u for u in Unit.objects.all()}
        assert set(units) == {("agency", "dlh"), ("agency", "dbmsda"), ("urc_team", "urc-dlh-kebersihan")}
        dlh_unit, dbmsda_unit, team_unit = (
            units["agency", "dlh"],
            units["agency", "dbmsda"],
            units["urc_team", "urc-dlh-kebersihan"],
        )
        assert (dlh_unit.name, dlh_unit.is_active, dlh_unit.parent_id) == ("Dinas Lingkungan Hidup", True, None)
        assert dbmsda_unit.is_active is False
        assert team_unit.parent_id == dlh_unit.pk
        assert Agency.objects.get(code="dlh").unit_id == dlh_unit.pk
        assert ResponseTeam.objects.get(code="urc-dlh-kebersihan").unit_id == team_unit.pk
        placed = dict(User.objects.values_list("username", "unit_id"))
        assert placed == {
            "officer": dlh_unit.pk,
            "urc": team_unit.pk,
            "bm": dbmsda_unit.pk,
            "poc": None,
            "warga": None,
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
