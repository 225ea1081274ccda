"""Citizens hear about their cases: a relay turns outbox events into notifications, a queued task delivers them.

The relay runs in `patriot worker` (patriot.core.worker). It reads the outbox after a stored cursor and writes
the notifications, their email/SMS deliveries, the queued `send_delivery` tasks and the cursor in one transaction,
so a crash repeats work rather than losing it, and the unique (user, event) constraint makes the repeat harmless.
The task queue (core/tasks.py) sends each delivery and tries a failed one again with a growing pause until it
succeeds or runs out of attempts (then the delivery is marked failed, kept).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from django_tasks import task

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.choices import CaseStateChoices, TimelineKindChoices
from patriot.cases.models import Case, Supporter
from patriot.cases.presenters import step_label
from patriot.cases.services import reporter_key_for
from patriot.citizens import sms
from patriot.citizens.choices import ContactAudienceChoices as Audience
from patriot.citizens.choices import DeliveryChannelChoices, DeliveryStatusChoices
from patriot.citizens.models import CitizenProfile, ContactMessage, Delivery, Notification, RelayCursor
from patriot.core import quiet
from patriot.core.tasks import is_last_attempt, next_attempt_at, retried
from patriot.events.models import OutboxEvent

logger = logging.getLogger("patriot.notify")

RELAY_NAME = "citizen-notifications"
Kind = TimelineKindChoices

# Timeline kinds a reporter hears about: every change of state, and a hand-over to another agency.
NOTIFIED_KINDS = frozenset(
    {
        Kind.SUBMITTED,
        Kind.VERIFIED,
        Kind.REJECTED,
        Kind.MERGED,
        Kind.DISPATCHED,
        Kind.FORWARDED,
        Kind.ASSIGNED,
        Kind.STARTED,
        Kind.RESOLVED,
        Kind.CONFIRMED,
        Kind.AUTO_CLOSED,
        Kind.DISPUTED,
    }
)
# Outbox ids are taken when a transaction inserts, not when it commits: a lower id can become visible after
# a higher one. The cursor therefore only passes events older than this; newer ones are re-read next round
# (the unique constraint skips those already handled). A case transaction lasting longer would be missed.
SETTLE_SECONDS = 60
PAGES_PER_RUN = 10


def _cursor() -> RelayCursor:
    RelayCursor.objects.get_or_create(name=RELAY_NAME)
    return RelayCursor.objects.select_for_update().get(name=RELAY_NAME)


def _deliveries_for(profile: CitizenProfile | None, user_email: str, user_phone: str) -> list[str]:
    """Channels a citizen receives on: only addresses they proved, only channels they kept on."""
    if profile is None:
        return []
    channels = []
    if profile.notify_email and profile.email_verified_at and user_email:
        channels.append(DeliveryChannelChoices.EMAIL)
    if profile.notify_sms and profile.phone_verified_at and user_phone and sms.gateway().delivers:
        channels.append(DeliveryChannelChoices.SMS)
    return channels


def _notify(events: list[OutboxEvent]) -> int:
    """Notifications for registered citizens and messages to contacts without an account, for these events.

    Who hears about a case: its reporter (an account, else the email/phone they left, with their private link),
    the reporters of duplicates merged into it, and its supporters (both only while the case is not confidential,
    with its public link).
    """
    relevant = [e for e in events if e.payload.get("kind") in NOTIFIED_KINDS and e.payload.get("timeline_entry_id")]
    if not relevant:
        return 0
    cases = {
        case.tracking_number: case
        for case in Case.objects.filter(tracking_number__in={e.subject_id for e in relevant}).select_related("reporter")
    }
    case_ids = [case.pk for case in cases.values()]
    followers: dict[int, list[Case]] = {}
    for duplicate in Case.objects.filter(duplicate_of_id__in=case_ids).select_related("reporter"):
        assert duplicate.duplicate_of_id is not None
        followers.setdefault(duplicate.duplicate_of_id, []).append(duplicate)
    supporters: dict[int, list[Supporter]] = {}
    for supporter in Supporter.objects.filter(case_id__in=case_ids).select_related("user"):
        supporters.setdefault(supporter.case_id, []).append(supporter)
    event_ids = [e.pk for e in relevant]
    done = set(Notification.objects.filter(event_id__in=event_ids).values_list("user_id", "event_id"))
    sent = set(ContactMessage.objects.filter(event_id__in=event_ids).values_list("event_id", "channel", "recipient"))
    accounts = {c.reporter_id for c in cases.values() if c.reporter_id}
    accounts |= {d.reporter_id for group in followers.values() for d in group if d.reporter_id}
    accounts |= {s.user_id for group in supporters.values() for s in group if s.user_id}
    profiles = {p.user_id: p for p in CitizenProfile.objects.filter(user_id__in=accounts)}
    created = 0

    def to_account(user: User, case: Case, event: OutboxEvent) -> None:
        nonlocal created
        if user.role != RoleChoices.CITIZEN or (user.pk, event.pk) in done:
            return
        done.add((user.pk, event.pk))
        notification = Notification.objects.create(
            user=user,
            case=case,
            entry_id=event.payload["timeline_entry_id"],
            event_id=event.pk,
            created_at=event.created_at,
        )
        # Demo history (core/quiet.py) shows in the account but is never emailed or texted.
        channels = (
            []
            if quiet.is_quiet_event(event.payload)
            else _deliveries_for(profiles.get(user.pk), user.email, user.phone)
        )
        for channel in channels:
            delivery = Delivery.objects.create(
                notification=notification, channel=channel, next_attempt_at=timezone.now()
            )
            # A row in this same transaction (core/tasks.py): committed with the notification or not at all.
            send_delivery.enqueue(delivery.pk)
        created += 1

    def to_contact(
        case: Case, own: Case, event: OutboxEvent, audience: str, email: str, phone: str, language: str
    ) -> None:
        nonlocal created
        if quiet.is_quiet_event(event.payload):
            return  # demo history (core/quiet.py) is never emailed or texted
        for channel, recipient in contact_channels(email, phone):
            if (event.pk, channel, recipient) in sent:
                continue
            sent.add((event.pk, channel, recipient))
            message = ContactMessage.objects.create(
                case=case,
                own_case=own,
                entry_id=event.payload["timeline_entry_id"],
                event_id=event.pk,
                audience=audience,
                channel=channel,
                recipient=recipient,
                language=language,
                created_at=timezone.now(),
            )
            send_contact_message.enqueue(message.pk)
            created += 1

    for event in relevant:
        case = cases.get(event.subject_id)
        if case is None:
            continue
        if case.reporter is not None:
            to_account(case.reporter, case, event)
        else:
            to_contact(
                case,
                case,
                event,
                Audience.REPORTER,
                case.reporter_email,
                case.reporter_phone,
                case.reporter_language,
            )
        if case.is_confidential:
            continue
        # Followers and supporters hear of what happens after they joined, not the history before.
        for duplicate in followers.get(case.pk, []):
            if duplicate.updated_at > event.created_at:
                continue
            if duplicate.reporter is not None:
                to_account(duplicate.reporter, case, event)
            else:
                to_contact(
                    case,
                    duplicate,
                    event,
                    Audience.FOLLOWER,
                    duplicate.reporter_email,
                    duplicate.reporter_phone,
                    duplicate.reporter_language,
                )
        for supporter in supporters.get(case.pk, []):
            if supporter.created_at > event.created_at:
                continue
            if supporter.user is not None:
                to_account(supporter.user, case, event)
            else:
                to_contact(case, case, event, Audience.SUPPORTER, supporter.email, supporter.phone, supporter.language)
    return created


def contact_channels(email: str, phone: str) -> list[tuple[str, str]]:
    """The channels a contact without an account is written on: email when given, SMS when a gateway delivers."""
    channels = []
    if email:
        channels.append((DeliveryChannelChoices.EMAIL, email))
    if phone and sms.gateway().delivers:
        channels.append((DeliveryChannelChoices.SMS, phone))
    return channels


def relay_outbox(*, batch_size: int = 500, now: datetime | None = None) -> int:
    """Make notifications for new case events; returns how many. Safe to run in several workers at once."""
    now = now or timezone.now()
    settled_before = now - timedelta(seconds=SETTLE_SECONDS)
    created = 0
    with transaction.atomic():
        cursor = _cursor()
        after = cursor.last_event_id
        settled = cursor.last_event_id
        contiguous = True
        for _page in range(PAGES_PER_RUN):
            events = list(OutboxEvent.objects.filter(subject_type="case", pk__gt=after).order_by("pk")[:batch_size])
            if not events:
                break
            created += _notify(events)
            for event in events:
                if contiguous and event.created_at <= settled_before:
                    settled = event.pk
                else:
                    contiguous = False
            after = events[-1].pk
            if len(events) < batch_size:
                break
        if settled != cursor.last_event_id:
            cursor.last_event_id = settled
            cursor.save(update_fields=["last_event_id"])
    return created


def relay_lag_seconds(now: datetime | None = None) -> float:
    """The outbox lag: age of the oldest case event the relay's cursor has not passed, 0 when it is caught up.

    The cursor holds back events younger than SETTLE_SECONDS, so a working relay shows up to about a minute.
    """
    cursor = RelayCursor.objects.filter(name=RELAY_NAME).values_list("last_event_id", flat=True).first() or 0
    oldest = (
        OutboxEvent.objects.filter(subject_type="case", pk__gt=cursor)
        .order_by("pk")
        .values_list("created_at", flat=True)
        .first()
    )
    if oldest is None:
        return 0.0
    return max(0.0, ((now or timezone.now()) - oldest).total_seconds())


# --- delivery -------------------------------------------------------------------------------


def case_link(case: Case) -> str:
    return settings.PATRIOT_SITE_URL + reverse("citizens:case", kwargs={"number": case.tracking_number})


def _message_context(notification: Notification) -> dict[str, object]:
    entry = notification.entry
    case = notification.case
    return {
        "user": notification.user,
        "case": case,
        "what": step_label(entry),
        "state": CaseStateChoices.label(entry.to_state or case.state),
        "note": entry.public_note,
        "link": case_link(case),
        "settings_link": settings.PATRIOT_SITE_URL + reverse("citizens:account"),
        "city": settings.PATRIOT_CITY_NAME,
    }


def render_email(notification: Notification) -> tuple[str, str]:
    context = _message_context(notification)
    subject = _("Laporan %(number)s: %(what)s") % {"number": notification.case.tracking_number, "what": context["what"]}
    return subject, render_to_string("citizens/email/case_update.txt", context)


def render_sms(notification: Notification) -> str:
    context = _message_context(notification)
    return _("Patriot: laporan %(number)s %(what)s. Status: %(state)s. %(link)s") % {
        "number": notification.case.tracking_number,
        "what": context["what"],
        "state": context["state"],
        "link": context["link"],
    }


def _send(delivery: Delivery) -> None:
    notification = delivery.notification
    user = notification.user
    language = getattr(getattr(user, "citizen_profile", None), "language", None) or settings.LANGUAGE_CODE
    with override(language):
        if delivery.channel == DeliveryChannelChoices.EMAIL:
            subject, body = render_email(notification)
            EmailMessage(subject, body, to=[user.email]).send()
        else:
            sms.send(user.phone, render_sms(notification))


@task()
@retried
def send_delivery(delivery_id: int, *, attempt: int = 1) -> str:
    """Send one notification's email or SMS (a queued task, core/tasks.py); returns what became of it.

    The row says whether it was sent, so a delivery already sent (or given up, or deleted with its account) is
    never sent again. A failure is recorded on the row and raised, so the queue tries again after a pause; the
    last attempt marks the delivery failed (kept, with the error's type).
    """
    delivery = (
        Delivery.objects.select_related(
            "notification__user__citizen_profile", "notification__case", "notification__entry"
        )
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.status != DeliveryStatusChoices.PENDING:
        return "skipped"
    delivery.attempts += 1
    try:
        _send(delivery)
    except Exception as error:
        # The type only in the log (core.tasks): a mail server's refusal quotes the address.
        delivery.last_error = (getattr(error, "detail", "") or str(error) or type(error).__name__)[:300]
        if is_last_attempt(attempt):
            delivery.status = DeliveryStatusChoices.FAILED
        else:
            delivery.next_attempt_at = next_attempt_at(attempt)
        delivery.save(update_fields=["attempts", "status", "next_attempt_at", "last_error"])
        raise
    delivery.status = DeliveryStatusChoices.SENT
    delivery.sent_at = timezone.now()
    delivery.last_error = ""
    delivery.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return "sent"


# --- contacts without an account -------------------------------------------------------------------


def private_link(case: Case) -> str:
    """The reporter's private link (the key in the URL; the tracking page moves it into the session at once)."""
    path = reverse("track_case", kwargs={"number": case.tracking_number})
    return f"{settings.PATRIOT_SITE_URL}{path}?kunci={reporter_key_for(case)}"


def public_link(case: Case) -> str:
    return settings.PATRIOT_SITE_URL + reverse("track_case", kwargs={"number": case.tracking_number})


def render_contact_message(message: ContactMessage) -> tuple[str, str]:
    """Subject and text of a message to a contact; an SMS uses the text alone."""
    case = message.case
    own = message.own_case or case
    number = case.tracking_number
    if message.entry is None:  # the private link, sent again on request
        subject = _("Tautan pribadi laporan %(number)s") % {"number": number}
        text = _("Patriot: tautan pribadi laporan %(number)s: %(link)s") % {
            "number": number,
            "link": private_link(case),
        }
        return subject, text
    what = step_label(message.entry)
    state = CaseStateChoices.label(message.entry.to_state or case.state)
    if message.audience == Audience.REPORTER and message.entry.kind == Kind.SUBMITTED:
        subject = _("Laporan Anda diterima: %(number)s") % {"number": number}
        text = _(
            "Patriot: laporan Anda diterima dengan nomor %(number)s. Simpan tautan pribadi ini untuk mengikuti dan "
            "menanggapinya: %(link)s"
        ) % {"number": number, "link": private_link(case)}
    elif message.audience == Audience.REPORTER:
        subject = _("Laporan %(number)s: %(what)s") % {"number": number, "what": what}
        text = _("Patriot: laporan %(number)s %(what)s. Status: %(state)s. %(link)s") % {
            "number": number,
            "what": what,
            "state": state,
            "link": private_link(case),
        }
    elif message.audience == Audience.FOLLOWER:
        subject = _("Laporan %(number)s: %(what)s") % {"number": number, "what": what}
        text = _(
            "Patriot: laporan Anda %(own)s digabung dengan laporan %(number)s, yang sekarang %(what)s. "
            "Status: %(state)s. %(link)s"
        ) % {"own": own.tracking_number, "number": number, "what": what, "state": state, "link": public_link(case)}
    else:
        subject = _("Laporan yang Anda dukung %(number)s: %(what)s") % {"number": number, "what": what}
        text = _("Patriot: laporan yang Anda dukung %(number)s %(what)s. Status: %(state)s. %(link)s") % {
            "number": number,
            "what": what,
            "state": state,
            "link": public_link(case),
        }
    return subject, text


@task()
@retried
def send_contact_message(message_id: int, *, attempt: int = 1) -> str:
    """Send one message to a contact without an account (a queued task); like send_delivery, never twice."""
    message = ContactMessage.objects.select_related("case", "own_case", "entry").filter(pk=message_id).first()
    if message is None or message.status != DeliveryStatusChoices.PENDING:
        return "skipped"
    message.attempts += 1
    try:
        # In the language the recipient used when they reported or supported (recorded then; empty: the default).
        with override(message.language or settings.LANGUAGE_CODE):
            subject, text = render_contact_message(message)
            if message.channel == DeliveryChannelChoices.EMAIL:
                body = (
                    text
                    + "\n\n"
                    + _("Pesan ini dikirim karena Anda memberikan alamat ini pada laporan di Patriot %(city)s.")
                    % {"city": settings.PATRIOT_CITY_NAME}
                )
                EmailMessage(subject, body, to=[message.recipient]).send()
            else:
                sms.send(message.recipient, text)
    except Exception as error:
        message.last_error = (getattr(error, "detail", "") or str(error) or type(error).__name__)[:300]
        if is_last_attempt(attempt):
            message.status = DeliveryStatusChoices.FAILED
        message.save(update_fields=["attempts", "status", "last_error"])
        raise
    message.status = DeliveryStatusChoices.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    message.save(update_fields=["attempts", "status", "sent_at", "last_error"])
    return "sent"
