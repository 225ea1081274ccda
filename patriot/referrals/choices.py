"""Referrals' choices: what a facility offers, its ownership, and the bed types hospitals report."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from patriot.core.choices import ChoiceSet


class HospitalClassChoices(ChoiceSet):
    A = "A"
    B = "B"
    C = "C"
    D = "D"

    CHOICES = [
        (A, _("Kelas A"), "purple"),
        (B, _("Kelas B"), "blue"),
        (C, _("Kelas C"), "teal"),
        (D, _("Kelas D"), "gray"),
    ]


class OwnershipChoices(ChoiceSet):
    PUBLIC = "public"
    PRIVATE = "private"

    CHOICES = [
        (PUBLIC, _("Pemerintah"), "blue"),
        (PRIVATE, _("Swasta"), "gray"),
    ]


class ServiceChoices(ChoiceSet):
    """Services a facility offers (a facility has several)."""

    ICU = "icu"
    NICU = "nicu"
    PICU = "picu"
    HCU = "hcu"
    ISOLATION = "isolation"
    MATERNITY = "maternity"
    HAEMODIALYSIS = "haemodialysis"
    CATH_LAB = "cath_lab"
    STROKE_UNIT = "stroke_unit"

    CHOICES = [
        (ICU, _("ICU"), "red"),
        (NICU, _("NICU"), "pink"),
        (PICU, _("PICU"), "pink"),
        (HCU, _("HCU"), "orange"),
        (ISOLATION, _("Isolasi"), "yellow"),
        (MATERNITY, _("Kebidanan/VK"), "pink"),
        (HAEMODIALYSIS, _("Hemodialisis"), "blue"),
        (CATH_LAB, _("Cath lab"), "red"),
        (STROKE_UNIT, _("Unit stroke"), "purple"),
    ]


class BedTypeChoices(ChoiceSet):
    """Bed types a hospital reports, after the national bed-reporting format (SIRS/RS Online)."""

    ICU = "icu"
    ICCU = "iccu"
    NICU = "nicu"
    PICU = "picu"
    HCU = "hcu"
    ISOLATION = "isolation"
    EMERGENCY = "emergency"
    MATERNITY = "maternity"
    PERINATOLOGY = "perinatology"
    VIP = "vip"
    CLASS_1 = "class_1"
    CLASS_2 = "class_2"
    CLASS_3 = "class_3"

    CHOICES = [
        (ICU, _("ICU"), "red"),
        (ICCU, _("ICCU"), "red"),
        (NICU, _("NICU"), "pink"),
        (PICU, _("PICU"), "pink"),
        (HCU, _("HCU"), "orange"),
        (ISOLATION, _("Isolasi"), "yellow"),
        (EMERGENCY, _("IGD"), "red"),
        (MATERNITY, _("Kebidanan"), "pink"),
        (PERINATOLOGY, _("Perinatologi"), "pink"),
        (VIP, _("VIP"), "purple"),
        (CLASS_1, _("Kelas I"), "blue"),
        (CLASS_2, _("Kelas II"), "teal"),
        (CLASS_3, _("Kelas III"), "green"),
    ]


class ChangeSourceChoices(ChoiceSet):
    """How a bed figure was changed."""

    TAP = "tap"
    API = "api"
    FORM = "form"

    CHOICES = [
        (TAP, _("Tombol +/−"), "blue"),
        (API, _("API"), "gray"),
        (FORM, _("Formulir"), "teal"),
    ]
