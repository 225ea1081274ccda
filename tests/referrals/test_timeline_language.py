"""A referral's timeline names who acted in the reader's language (issue 14 item 14): the actor is stored in the
actor's language ("Petugas puskesmas · PKM-A") and shown through accounts.actors, so an English reader sees
"Puskesmas staff" and an Indonesian one "Petugas puskesmas", whichever language the row was written in."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from patriot.referrals import services
from patriot.referrals.models import Referral, ReferralEntry
from tests.core.test_english_mode import _indonesian_messages, _visible_text
from tests.referrals.referral_fixtures import World, details, world


@pytest.fixture
def w(db: None) -> World:
    return world()


def _page(user: object, referral: Referral, language: str) -> str:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(f"/rujukan/{referral.pk}/")
    assert response.status_code == 200
    return _visible_text(response.content.decode())


def _accepted_and_departed(w: World) -> Referral:
    with translation.override("id"):  # the actors work in Indonesian: their labels are stored so
        referral = services.create_referral(w.referrer, details())
        services.send(w.referrer, referral, [w.near.pk])
        services.accept(w.near_staff, referral)
        services.depart(w.referrer, referral, "own")
    return referral


def test_an_english_reader_sees_no_indonesian_actor(w: World) -> None:
    referral = _accepted_and_departed(w)
    stored = set(ReferralEntry.objects.filter(referral=referral).values_list("actor_label", flat=True))
    assert {"Petugas puskesmas · PKM-A", "Petugas rumah sakit · RS-NEAR"} <= stored
    messages = _indonesian_messages()
    for reader in (w.referrer, w.near_staff, w.dinkes):
        text = _page(reader, referral, "en")
        assert "Puskesmas staff · PKM-A" in text and "Hospital staff · RS-NEAR" in text
        assert "Petugas" not in text
        assert [message for message in messages if message in text] == []


def test_an_indonesian_reader_sees_indonesian_even_of_a_row_written_in_english(w: World) -> None:
    referral = _accepted_and_departed(w)
    # An old row whose actor worked in English: stored as "Puskesmas staff · PKM-A".
    ReferralEntry.objects.filter(referral=referral, actor=w.referrer).update(actor_label="Puskesmas staff · PKM-A")
    text = _page(w.dinkes, referral, "id")
    assert "Petugas puskesmas · PKM-A" in text and "Petugas rumah sakit · RS-NEAR" in text
    assert "Puskesmas staff" not in text and "Hospital staff" not in text
