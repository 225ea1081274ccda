"""Where apps plug into the core: each app registers here, in its AppConfig.ready(), what the core runs for it.

The core and the events app read these registries and import no feature app. An app registers:

- its event types (`register_event_type`): the subject type its outbox events carry (the prefix of their kind,
  "case" for "case.submitted"), who may receive them on the staff stream, and what the public may see of them,
  if anything. An event type nobody registered reaches nobody.
- its periodic jobs (`register_job`): a name, the function `patriot worker` runs and how often; the worker
  keeps each job's heartbeat (core.models.JobRun: last run, duration, last error) and metrics.
- its retention rules (`register_retention`): personal data it deletes or blanks once older than a period set
  by a PATRIOT_RETENTION_* setting; the core's daily "retention" job applies every registered rule.
- its role start pages (`register_start_page`): where a user of a role lands after signing in. A staff role
  no app serves yet lands on a page saying its module is not available yet (core.views.module_pending).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from patriot.events.audience import Viewer
    from patriot.events.models import OutboxEvent

# A function from subject ids to those of them the public may see now (one query, whatever their number).
PublicSubjects = Callable[[Collection[str]], Collection[str]]


@dataclass(frozen=True)
class EventType:
    """One kind of outbox subject. `public_fields` and `public_subjects` together make its events public:
    an event written public reaches the public stream with those payload fields only, while its subject is
    still public when the event is read. A type without them never reaches the public."""

    name: str
    may_receive: Callable[[Viewer, OutboxEvent], bool]
    public_fields: tuple[str, ...] = ()
    public_subjects: PublicSubjects | None = None

    @property
    def is_public(self) -> bool:
        return bool(self.public_fields) and self.public_subjects is not None


_event_types: dict[str, EventType] = {}


def register_event_type(event_type: EventType) -> None:
    _event_types[event_type.name] = event_type


def event_type(name: str) -> EventType | None:
    return _event_types.get(name)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    run: Callable[[], None]
    # Seconds between runs; None: every round of the worker (`patriot worker --interval`, a minute by default).
    interval: float | None = None


_jobs: dict[str, PeriodicJob] = {}


def register_job(job: PeriodicJob) -> None:
    _jobs[job.name] = job


def periodic_jobs() -> list[PeriodicJob]:
    """The registered jobs in the order their apps were installed."""
    return list(_jobs.values())


@dataclass(frozen=True)
class RetentionRule:
    """`apply(cutoff)` deletes or blanks `what` older than `cutoff` and returns how many rows it touched;
    `days_setting` names the setting with the period (0 keeps everything)."""

    what: str
    days_setting: str
    apply: Callable[[datetime], int]


_retention_rules: list[RetentionRule] = []


def register_retention(rule: RetentionRule) -> None:
    if rule not in _retention_rules:
        _retention_rules.append(rule)


def retention_rules() -> list[RetentionRule]:
    return list(_retention_rules)


_start_pages: dict[str, str] = {}


def register_start_page(role: str, url_name: str) -> None:
    """Users of `role` land on the page named `url_name` after signing in."""
    _start_pages[role] = url_name


def start_page(role: str) -> str | None:
    return _start_pages.get(role)
