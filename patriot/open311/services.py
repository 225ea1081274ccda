"""Open311 changes: issue and revoke API keys, and file a service request as a case through cases.services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from patriot.accounts.models import hash_token
from patriot.cases import services as case_services
from patriot.cases.choices import ChannelChoices
from patriot.cases.models import Category
from patriot.core import clock
from patriot.open311.models import ApiKey, CatalogueChange, SubmittedRequest

# last_used_at is a hint for the administrator, not an audit log: one write per key per minute at most.
KEY_LAST_USED_RESOLUTION = timedelta(minutes=1)


def create_api_key(name: str) -> tuple[ApiKey, str]:
    """Issue a key for the application `name`; returns the row and the key, which is not stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValueError("A key needs an application name of 1 to 100 characters.")
    if ApiKey.objects.filter(name=name).exists():
        raise ValueError(f"An Open311 key named {name!r} already exists.")
    secret = ApiKey.new_secret()
    key = ApiKey.objects.create(name=name, prefix=secret[:8], key_hash=hash_token(secret))
    return key, secret


def revoke_api_key(key: ApiKey) -> bool:
    """Revoke the key now; returns False if it was already revoked."""
    now = clock.now()
    revoked = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now) == 1
    if revoked:
        key.revoked_at = now
    return revoked


def authenticate_api_key(raw: str) -> ApiKey | None:
    """The active key matching `raw`, or None for an unknown or revoked one."""
    if not raw:
        return None
    key = ApiKey.objects.filter(key_hash=hash_token(raw), revoked_at__isnull=True).first()
    if key is None:
        return None
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at >= KEY_LAST_USED_RESOLUTION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


@dataclass
class ServiceRequestIn:
    """A POST requests.{format} body, parsed and checked for form (the case services check the content)."""

    category: Category
    latitude: float
    longitude: float
    description: str
    address: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    media_url: str = ""
    reporter_name: str = ""
    reporter_email: str = ""
    reporter_phone: str = ""


def _attribute_lines(request: ServiceRequestIn) -> list[str]:
    """The attribute answers as "Label: value" lines, list keys shown by their names."""
    lines = []
    for definition in request.category.attributes:
        value = request.attributes.get(definition["code"])
        if value in (None, "", []):
            continue
        names = {str(option["key"]): option["name"] for option in definition.get("values", [])}
        shown = ", ".join(names.get(str(v), str(v)) for v in (value if isinstance(value, list) else [value]))
        if definition.get("unit"):
            shown = f"{shown} {definition['unit']}"
        lines.append(f"{definition.get('label') or definition['code']}: {shown}")
    return lines


def _description(request: ServiceRequestIn) -> str:
    """The case text, in the city's language for the POC whatever language the client asked for answers in.

    The spec makes `description` optional; a case needs one, so without it the answers to the service's
    attributes stand in. A media_url the client sent is kept as a line of text for the POC (never fetched).
    """
    with translation.override(settings.LANGUAGE_CODE):
        parts = [request.description]
        if not request.description:
            parts = ["\n".join([_("Aplikasi Open311 tidak mengirim uraian."), *_attribute_lines(request)])]
        if request.media_url:
            media_label = _("Media dari aplikasi")
            parts.append(f"{media_label}: {request.media_url}")
    return "\n\n".join(parts)


def submit_request(
    api_key: ApiKey,
    request: ServiceRequestIn,
    *,
    photos: Sequence[tuple[str, IO[bytes]]] = (),
    idempotency_key: str | None = None,
) -> case_services.NewCase:
    """File the request as an `open311` case. A retry with the same Idempotency-Key (per API key) returns it."""
    result = case_services.create_case(
        case_services.CaseSubmission(
            channel=ChannelChoices.OPEN311,
            category=request.category,
            description=_description(request),
            latitude=request.latitude,
            longitude=request.longitude,
            address=request.address,
            attributes=request.attributes,
            reporter_name=request.reporter_name,
            reporter_phone=request.reporter_phone,
            reporter_email=request.reporter_email,
        ),
        photos=photos,
        by=None,
        idempotency_key=idempotency_key,
        idempotency_scope=f"open311:{api_key.pk}",
    )
    # The case commits in create_case's own transactions (its tracking number must not wait on this one);
    # the origin row follows, and a retry of the same request fills it in if it was lost.
    SubmittedRequest.objects.get_or_create(
        case=result.case,
        defaults={"api_key": api_key, "media_url": request.media_url, "created_at": result.case.created_at},
    )
    return result


def note_catalogue_change(**_signal: Any) -> None:
    """A category was saved or deleted: discovery's changeset moves on (connected in apps.ready)."""
    CatalogueChange.objects.update_or_create(pk=1, defaults={"changed_at": clock.now()})
