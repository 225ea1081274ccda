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


def test_an_english_reader_of_a_case_page_sees_no_indonesian_actor(db: None) -> None:
    """The complaint side stores its actors as the referral side does and shows them through the same
    accounts.actors.actor_display: the POC's staff page in English names the reporter and the POC in English."""
    from django.conf import settings
    from django.test import Client

    from patriot.accounts.choices import RoleChoices
    from patriot.cases.choices import CaseStateChoices
    from tests.core.test_english_mode import _indonesian_messages, _visible_text
    from tests.factories import case_through, load_areas, staff

    load_areas()
    with translation.override("id"):
        case = case_through(CaseStateChoices.VERIFIED)
    assert set(case.timeline.values_list("actor_label", flat=True)) == {"Pelapor", "Operator POC"}
    client = Client()
    client.force_login(staff(RoleChoices.POC_OPERATOR))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = _visible_text(client.get(f"/poc/laporan/{case.tracking_number}/").content.decode())
    assert "Reporter" in text and "POC operator" in text
    assert "Pelapor" not in text and "Operator POC" not in text
    assert [message for message in _indonesian_messages() if message in text] == []
