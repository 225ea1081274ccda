"""Timeline actors are shown in the reader's language, whichever language the actor used."""

from __future__ import annotations

from django.utils import translation

from patriot.cases.presenters import actor_display


def test_a_stored_actor_label_is_shown_in_the_readers_language() -> None:
    with translation.override("en"):
        assert actor_display("Pelapor") == "Reporter"
        assert actor_display("Admin OPD · DBMSDA") == "Agency (OPD) admin · DBMSDA"
        assert actor_display("Nama yang tidak dikenal") == "Nama yang tidak dikenal"
    with translation.override("id"):
        assert actor_display("Agency (OPD) admin · DBMSDA") == "Admin OPD · DBMSDA"
        assert actor_display("System") == "Sistem"
