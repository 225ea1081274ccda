"""The two statuses Open311 knows, and which case states each one covers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from patriot.cases.choices import CaseStateChoices
from patriot.core.choices import ChoiceSet


class RequestStatusChoices(ChoiceSet):
    OPEN = "open"
    CLOSED = "closed"

    CHOICES = [
        (OPEN, _("Terbuka"), "blue"),
        (CLOSED, _("Selesai"), "green"),
    ]

    # Open while the city still has to act. A resolved case waits only for the reporter's confirmation:
    # the city's work is done, so Open311 clients see it closed (a dispute reopens it).
    OPEN_STATES = CaseStateChoices.OPEN

    @classmethod
    def for_state(cls, state: str) -> str:
        return cls.OPEN if state in cls.OPEN_STATES else cls.CLOSED
