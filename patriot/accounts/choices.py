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
