"""Roles of the people who use Patriot."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from patriot.core.choices import ChoiceSet


class RoleChoices(ChoiceSet):
    CITIZEN = "citizen"
    POC_OPERATOR = "poc_operator"
    POC_SUPERVISOR = "poc_supervisor"
    CALLCENTRE_OPERATOR = "callcentre_operator"
    AGENCY_ADMIN = "agency_admin"
    AGENCY_OFFICER = "agency_officer"
    URC_OFFICER = "urc_officer"
    MAYOR = "mayor"
    HEALTH_OFFICER = "health_officer"
    JUMANTIK = "jumantik"
    JUMANTIK_COORDINATOR = "jumantik_coordinator"
    PSC_CALL_TAKER = "psc_call_taker"
    PSC_DISPATCHER = "psc_dispatcher"
    AMBULANCE_CREW = "ambulance_crew"
    HOSPITAL_STAFF = "hospital_staff"
    SYSTEM_ADMIN = "system_admin"

    CHOICES = [
        (CITIZEN, _("Warga"), "gray"),
        (POC_OPERATOR, _("Operator POC"), "blue"),
        (POC_SUPERVISOR, _("Supervisor POC"), "indigo"),
        (CALLCENTRE_OPERATOR, _("Operator call center 1500444"), "cyan"),
        (AGENCY_ADMIN, _("Admin OPD"), "green"),
        (AGENCY_OFFICER, _("Petugas OPD"), "teal"),
        (URC_OFFICER, _("Petugas URC"), "orange"),
        (MAYOR, _("Wali kota"), "purple"),
        (HEALTH_OFFICER, _("Petugas kesehatan"), "red"),
        (JUMANTIK, _("Jumantik"), "lime"),
        (JUMANTIK_COORDINATOR, _("Koordinator jumantik"), "green"),
        (PSC_CALL_TAKER, _("Call taker PSC 119"), "red"),
        (PSC_DISPATCHER, _("Dispatcher PSC 119"), "red"),
        (AMBULANCE_CREW, _("Kru ambulans"), "red"),
        (HOSPITAL_STAFF, _("Petugas rumah sakit"), "pink"),
        (SYSTEM_ADMIN, _("Admin sistem"), "black"),
    ]

    # Roles that work the POC queue: verify, reject, merge, dispatch.
    POC_ROLES = frozenset({POC_OPERATOR, POC_SUPERVISOR, SYSTEM_ADMIN})
    # Roles that may see every anonymous reporter's identity: the report form promises "only Patriot Operation
    # Centre staff". The call centre sees one only where the caller gave it (cases.queries.reporter_shown).
    IDENTITY_ROLES = frozenset({POC_OPERATOR, POC_SUPERVISOR, SYSTEM_ADMIN})
    # Roles that deal with reporters in person: act for them (confirm, dispute) and export their contacts.
    REPORTER_CONTACT_ROLES = IDENTITY_ROLES | {CALLCENTRE_OPERATOR}
    # Roles that read every case in the city.
    CITYWIDE_ROLES = frozenset({POC_OPERATOR, POC_SUPERVISOR, CALLCENTRE_OPERATOR, MAYOR, SYSTEM_ADMIN})
    AGENCY_ROLES = frozenset({AGENCY_ADMIN, AGENCY_OFFICER})
    # Roles with power over the whole city: they sign in with a second factor (accounts.totp).
    SECOND_FACTOR_ROLES = frozenset({POC_SUPERVISOR, MAYOR, SYSTEM_ADMIN})
    # Roles that may download a bulk export with personal data (reporters, callers), giving a purpose each time.
    PERSONAL_EXPORT_ROLES = frozenset({POC_SUPERVISOR, SYSTEM_ADMIN})


class UnitKindChoices(ChoiceSet):
    """Kinds of organisation unit a member of staff belongs to (accounts.models.OrganisationUnit)."""

    AGENCY = "agency"
    URC_TEAM = "urc_team"
    PUSKESMAS = "puskesmas"
    HOSPITAL = "hospital"
    CLINIC = "clinic"
    PSC_CENTRE = "psc_centre"
    AMBULANCE_STATION = "ambulance_station"
    AMBULANCE_UNIT = "ambulance_unit"
    KELURAHAN_OFFICE = "kelurahan_office"
    KECAMATAN_OFFICE = "kecamatan_office"

    CHOICES = [
        (AGENCY, _("OPD"), "green"),
        (URC_TEAM, _("Tim URC"), "orange"),
        (PUSKESMAS, _("Puskesmas"), "red"),
        (HOSPITAL, _("Rumah sakit"), "pink"),
        (CLINIC, _("Klinik"), "pink"),
        (PSC_CENTRE, _("PSC 119"), "red"),
        (AMBULANCE_STATION, _("Pos ambulans"), "red"),
        (AMBULANCE_UNIT, _("Unit ambulans"), "red"),
        (KELURAHAN_OFFICE, _("Kantor kelurahan"), "blue"),
        (KECAMATAN_OFFICE, _("Kantor kecamatan"), "indigo"),
    ]

    # Units that mirror an Agency or a ResponseTeam row: created, renamed and parented with it, never by hand.
    MIRRORED = frozenset({AGENCY, URC_TEAM})
    # Health facilities: where the health apps' referrals and patients go.
    HEALTH_FACILITIES = frozenset({PUSKESMAS, HOSPITAL, CLINIC})
    # Units that may lie outside the city (a referral hospital in Jakarta, an ambulance crossing the border).
    MAY_BE_OUTSIDE_CITY = frozenset({HOSPITAL, CLINIC, AMBULANCE_STATION, AMBULANCE_UNIT})


_Kind = UnitKindChoices

# Which kinds of unit a member of staff of each role may belong to. A role missing here (the city-wide ones: POC,
# call centre, mayor, system admin) may belong to a unit of any kind or to none: they see the whole city anyway.
# A role mapped to no kind (citizens) belongs to no unit. A role with kinds may also have no unit yet.
ROLE_UNIT_KINDS: dict[str, frozenset[str]] = {
    RoleChoices.CITIZEN: frozenset(),
    RoleChoices.AGENCY_ADMIN: frozenset({_Kind.AGENCY}),
    RoleChoices.AGENCY_OFFICER: frozenset({_Kind.AGENCY}),
    RoleChoices.URC_OFFICER: frozenset({_Kind.URC_TEAM}),
    # Dinas Kesehatan is an agency; a puskesmas has its own health officers.
    RoleChoices.HEALTH_OFFICER: frozenset({_Kind.AGENCY, _Kind.PUSKESMAS}),
    RoleChoices.JUMANTIK: frozenset({_Kind.PUSKESMAS, _Kind.KELURAHAN_OFFICE}),
    # A coordinator supervises the jumantik of an RW or a whole kelurahan (larvae.FieldAssignment says which).
    RoleChoices.JUMANTIK_COORDINATOR: frozenset({_Kind.PUSKESMAS, _Kind.KELURAHAN_OFFICE}),
    RoleChoices.PSC_CALL_TAKER: frozenset({_Kind.PSC_CENTRE}),
    RoleChoices.PSC_DISPATCHER: frozenset({_Kind.PSC_CENTRE}),
    RoleChoices.AMBULANCE_CREW: frozenset({_Kind.AMBULANCE_UNIT, _Kind.AMBULANCE_STATION}),
    RoleChoices.HOSPITAL_STAFF: frozenset({_Kind.HOSPITAL, _Kind.CLINIC, _Kind.PUSKESMAS}),
}


def unit_kinds_for(role: str) -> frozenset[str] | None:
    """The kinds of unit a user of `role` may belong to; None: any kind (the city-wide roles)."""
    return ROLE_UNIT_KINDS.get(role)
