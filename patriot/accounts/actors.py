"""Who took a step on a timeline, in the reader's language.

A timeline entry stores its actor as text ("Admin OPD · DBMSDA", "Petugas puskesmas · Puskesmas Kuin Raya") in
the language of the person who acted; `actor_display` turns the stored term back into the reader's language (the
name after " · " is a proper name and stays). Every app's timeline shows its actors through it, so old rows stay
readable without a data migration.
"""

from __future__ import annotations

import functools

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from patriot.accounts.choices import RoleChoices, UnitKindChoices

# The facility-staff role (RoleChoices.HOSPITAL_STAFF) on a timeline, by the kind of facility (else the role's name).
FACILITY_STAFF: dict[str, Promise] = {
    UnitKindChoices.PUSKESMAS: gettext_lazy("Petugas puskesmas"),
    UnitKindChoices.CLINIC: gettext_lazy("Petugas klinik"),
}


@functools.cache
def _actor_terms() -> dict[str, str | Promise]:
    """Every actor term a timeline stores, in both languages, mapped to its translatable term."""
    terms = [
        gettext_lazy("Pelapor"),
        gettext_lazy("Sistem"),
        *(choice[1] for choice in RoleChoices.CHOICES),
        *FACILITY_STAFF.values(),
    ]
    mapping: dict[str, str | Promise] = {}
    for language in ("id", "en"):
        with translation.override(language):
            mapping.update({str(term): term for term in terms})
    return mapping


def actor_display(stored: str) -> str:
    """A timeline actor ("Admin OPD · DBMSDA") in the reader's language; it was stored in the actor's."""
    role, separator, name = stored.partition(" · ")
    term = _actor_terms().get(role)
    return f"{term}{separator}{name}" if term is not None else stored
