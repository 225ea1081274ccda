"""The email backend Patriot sends through: the configured one (SMTP or console), counted in patriot_emails_total;
and `send_email`, the queued task (core/tasks.py) that sends one message and is tried again when the server fails."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django_tasks import task

from patriot.core import metrics
from patriot.core.tasks import retried


class CountingEmailBackend(BaseEmailBackend):
    """Hands messages to PATRIOT_EMAIL_DELIVERY_BACKEND and counts what was sent and what failed."""

    def __init__(self, fail_silently: bool = False, **kwargs: Any) -> None:
        super().__init__(fail_silently=fail_silently)
        self.inner = get_connection(settings.PATRIOT_EMAIL_DELIVERY_BACKEND, fail_silently=fail_silently, **kwargs)

    def open(self) -> bool | None:
        return self.inner.open()

    def close(self) -> None:
        self.inner.close()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        try:
            sent = self.inner.send_messages(email_messages) or 0
        except Exception:
            metrics.EMAILS.labels("failed").inc(len(email_messages))
            raise
        metrics.EMAILS.labels("sent").inc(sent)
        if len(email_messages) > sent:
            metrics.EMAILS.labels("failed").inc(len(email_messages) - sent)
        return sent


@task()
@retried
def send_email(subject: str, body: str, to: list[str]) -> None:
    """Send one plain-text message from DEFAULT_FROM_EMAIL; queue it with `send_email.enqueue(...)`."""
    EmailMessage(subject, body, to=to).send()
