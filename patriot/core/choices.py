"""ChoiceSet: constants, translated labels and a colour per value, read by models, pages and the API."""

from __future__ import annotations

from typing import ClassVar

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ChoiceSet:
    """Subclasses list CHOICES as (value, label, colour) triples."""

    CHOICES: ClassVar[list[tuple[str, str | Promise, str]]] = []

    @classmethod
    def choices(cls) -> list[tuple[str, str | Promise]]:
        return [(value, label) for value, label, _colour in cls.CHOICES]

    @classmethod
    def values(cls) -> list[str]:
        return [value for value, _label, _colour in cls.CHOICES]

    @classmethod
    def label(cls, value: str) -> str:
        for choice, label, _colour in cls.CHOICES:
            if choice == value:
                return str(label)
        return value

    @classmethod
    def colour(cls, value: str) -> str:
        for choice, _label, colour in cls.CHOICES:
            if choice == value:
                return colour
        return "gray"


class PersonalDataChoices(ChoiceSet):
    """The kinds of personal data whose display to staff is audited (core.PersonalDataAccess)."""

    REPORTER_IDENTITY = "reporter_identity"
    PATIENT_IDENTITY = "patient_identity"
    DIAGNOSIS = "diagnosis"
    # A household's address, point, photo and answers, as a jumantik's inspection holds them (larvae).
    HOUSEHOLD = "household"

    CHOICES = [
        (REPORTER_IDENTITY, _("Identitas pelapor"), "blue"),
        (PATIENT_IDENTITY, _("Identitas pasien"), "orange"),
        (DIAGNOSIS, _("Diagnosis"), "red"),
        (HOUSEHOLD, _("Alamat dan data rumah tangga"), "purple"),
    ]
