"""API tokens: issued once, stored as a hash, refused when revoked or when the user is inactive."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import ApiToken, User, hash_token
from patriot.accounts.services import authenticate_token, create_api_token, revoke_api_token
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_only_the_hash_of_a_new_token_is_stored() -> None:
    user = make_user(RoleChoices.POC_OPERATOR)
    token, secret = create_api_token(user, "dasbor kota")

    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret.startswith("pat_") and len(secret) > 40
    assert stored["prefix"] == secret[:8]
    assert stored["token_hash"] == hash_token(secret)
    assert secret not in {str(value) for value in stored.values()}


def test_every_token_is_different() -> None:
    user = make_user()
    secrets = {create_api_token(user, f"klien {n}")[1] for n in range(5)}
    assert len(secrets) == 5


def test_a_token_authenticates_its_user() -> None:
    user = make_user(RoleChoices.CALLCENTRE_OPERATOR)
    _token, secret = create_api_token(user, "telepon")
    assert authenticate_token(secret) == user


@pytest.mark.parametrize("raw", ["", "pat_unknown", "x" * 500])
def test_unknown_tokens_are_refused(raw: str) -> None:
    create_api_token(make_user(), "klien")
    assert authenticate_token(raw) is None


def test_last_use_is_recorded_at_most_once_a_minute() -> None:
    token, secret = create_api_token(make_user(), "klien")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        authenticate_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == start

    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        authenticate_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == start

    later = start + timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        authenticate_token(secret)
    token.refresh_from_db()
    assert token.last_used_at == later


def test_a_revoked_token_is_refused() -> None:
    token, secret = create_api_token(make_user(), "klien")
    assert revoke_api_token(token) is True
    assert token.revoked_at is not None
    assert authenticate_token(secret) is None
    assert revoke_api_token(token) is False


def test_revoking_one_token_leaves_the_others() -> None:
    user = make_user()
    first, first_secret = create_api_token(user, "lama")
    _second, second_secret = create_api_token(user, "baru")
    revoke_api_token(first)
    assert authenticate_token(first_secret) is None
    assert authenticate_token(second_secret) == user


def test_the_token_of_an_inactive_user_is_refused() -> None:
    user = make_user()
    _token, secret = create_api_token(user, "klien")
    user.is_active = False
    user.save()
    assert authenticate_token(secret) is None


def test_the_user_a_token_gives_is_read_afresh_on_every_request() -> None:
    """No copy is kept between requests: a revocation, a deactivation or a new role counts on the very next one."""
    user = make_user(RoleChoices.JUMANTIK)
    token, secret = create_api_token(user, "ponsel")
    first = authenticate_token(secret)
    assert first is not None
    stored = User.objects.get(pk=user.pk)
    assert {f.attname: getattr(first, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(stored, f.attname) for f in User._meta.concrete_fields
    }
    User.objects.filter(pk=user.pk).update(role=RoleChoices.CITIZEN)
    again = authenticate_token(secret)
    assert again is not None and again.role == RoleChoices.CITIZEN
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert authenticate_token(secret) is None
    User.objects.filter(pk=user.pk).update(is_active=True)
    assert authenticate_token(secret) is not None
    revoke_api_token(token)
    assert authenticate_token(secret) is None


def test_no_token_for_an_inactive_user_or_without_a_name() -> None:
    with pytest.raises(ValueError):
        create_api_token(make_user(is_active=False), "klien")
    with pytest.raises(ValueError):
        create_api_token(make_user(), "   ")
    with pytest.raises(ValueError):
        create_api_token(make_user(), "x" * 101)
    assert not ApiToken.objects.exists()


def _run(*args: str) -> str:
    out = StringIO()
    call_command("api-token", *args, stdout=out)
    return out.getvalue()


def test_the_command_creates_lists_and_revokes_tokens() -> None:
    user = make_user(username="open311-client")

    created = _run("create", "open311-client", "--name", "aplikasi mitra")
    secret = created.strip().splitlines()[-1]
    assert authenticate_token(secret) == user
    token = ApiToken.objects.get(user=user)
    assert token.name == "aplikasi mitra"

    listing = _run("list", "open311-client")
    assert token.prefix in listing and "aktif" in listing
    assert secret not in listing

    revoked = _run("revoke", token.prefix)
    assert token.prefix in revoked
    assert authenticate_token(secret) is None
    assert "dicabut" in _run("list", "open311-client")


def test_the_command_refuses_unknown_users_and_prefixes() -> None:
    make_user(username="warga-1")
    with pytest.raises(CommandError):
        _run("create", "tidak-ada")
    with pytest.raises(CommandError):
        _run("list", "tidak-ada")
    with pytest.raises(CommandError):
        _run("revoke", "pat_none")


def test_revoke_asks_for_the_owner_when_a_prefix_is_shared() -> None:
    first_user, second_user = make_user(username="satu"), make_user(username="dua")
    first, first_secret = create_api_token(first_user, "klien")
    second, second_secret = create_api_token(second_user, "klien")
    ApiToken.objects.filter(pk=second.pk).update(prefix=first.prefix)

    with pytest.raises(CommandError, match="--user"):
        _run("revoke", first.prefix)
    _run("revoke", first.prefix, "--user", "dua")
    assert authenticate_token(first_secret) == first_user
    assert authenticate_token(second_secret) is None


def test_the_token_user_is_read_as_the_orm_reads_it() -> None:
    user = make_user(RoleChoices.JUMANTIK)
    User.objects.filter(pk=user.pk).update(last_login=timezone.now())
    _token, secret = create_api_token(user, "ponsel")

    found = authenticate_token(secret)

    read = User.objects.get(pk=user.pk)
    assert found is not None and not found._state.adding and found._state.db == "default"
    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(read, field.attname), field.name
    assert found.last_login is not None and found.last_login.tzinfo is not None
    assert found.is_active is True and type(found.is_staff) is bool
