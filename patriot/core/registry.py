"""Where apps plug into the core: each app registers here, in its AppConfig.ready(), what the core runs for it.

The core and the events app read these registries and import no feature app. An app registers:

- its event types (`register_event_type`): the subject type its outbox events carry (the prefix of their kind,
  "case" for "case.submitted"), who may receive them on the staff stream, and what the public may see of them,
  if anything. An event type nobody registered reaches nobody.
- its periodic jobs (`register_job`): a name, the function `patriot worker` runs and how often; the worker
  keeps each job's heartbeat (core.models.JobRun: last run, duration, last error) and metrics.
- its retention rules (`register_retention`): personal data it deletes or blanks once older than a period set
  by a PATRIOT_RETENTION_* setting; the core's daily "retention" job applies every registered rule.
- its role start pages (`register_start_page`): where a user of a role lands after signing in, or some users of a
  role (`only=`, e.g. Dinkes's health officers land on Dinkes's page, a puskesmas's on the larvae indices). A staff role
  no app serves yet lands on a page saying its module is not available yet (accounts.views.module_pending).
- its staff menu entries (`register_menu_entry`): a label, the page's URL name, the roles that see it and its
  place in the menu; the layout shows the entries of the signed-in user's role.
- its URLs (`register_urls`): a prefix and its URL module, for an app the project's urls.py does not list.
- its JSON API routes (`register_api_router`): a prefix and its django-ninja router; patriot/api.py mounts it.
- its seed steps (`register_seed_step`): reference data `patriot seed` loads, and demo data `seed --demo` adds,
  in the order of their `order` numbers.
- its figures read when /metrics is scraped (`register_gauges`) and its readiness checks for /readyz
  (`register_readiness_check`).
- its checks of production data (`register_production_data_check`): published demo secrets it created.
- its panels on the shared workspaces (`register_workspace_panel`): a section of the POC dashboard or the mayor's
  workspace (opscentre renders them; an app never edits opscentre's templates).
- the hospital capacity provider (`register_hospital_capacity`): capability flags and free emergency/ICU beds per
  hospital unit, set by referrals and read by emergency (which never imports referrals).
- its listeners to diagnoses made in care (`register_diagnosis_listener`): an app that records a diagnosis (referrals,
  when a hospital admits a referred patient) calls `announce_diagnosis`; an app that counts cases (larvae: dengue,
  ICD-10 A90/A91) listens. Neither imports the other.
- the inter-facility transfer requester (`register_transfer_requester`): referrals asks an ambulance of SPGDT/PSC
  119 for a referral (a TransferRequest), emergency opens the transfer incident; and the referral transport reader
  (`register_referral_transport_reader`): which referrals a user may read to transport their patient (emergency
  answers for PSC roles), asked by referrals.access; and the transfer arrival (`register_transfer_arrival`): the
  ambulance of a transfer reached the hospital, the referral records its arrival; the transfer diversion
  (`register_transfer_diversion`): it reached another hospital, the referral records that on its timeline and does
  not arrive. Neither app imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

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
    # Roles that may open the staff stream for these events, besides those the events app always lets in.
    stream_roles: frozenset[str] = frozenset()

    @property
    def is_public(self) -> bool:
        return bool(self.public_fields) and self.public_subjects is not None


_event_types: dict[str, EventType] = {}


def register_event_type(event_type: EventType) -> None:
    _event_types[event_type.name] = event_type


def event_type(name: str) -> EventType | None:
    return _event_types.get(name)


def event_types() -> list[EventType]:
    return list(_event_types.values())


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
_narrower_start_pages: list[tuple[str, Callable[[Any], bool], str]] = []


def register_start_page(role: str, url_name: str, *, only: Callable[[Any], bool] | None = None) -> None:
    """Users of `role` land on the page named `url_name` after signing in; with `only`, just the users of the role
    it holds for (e.g. Dinkes's health officers, not a puskesmas's), before the role's own start page."""
    if only is None:
        _start_pages[role] = url_name
    else:
        _narrower_start_pages.append((role, only, url_name))


def start_page(role: str) -> str | None:
    """The start page of the role (not of a narrower group of its users: see `start_page_for`)."""
    return _start_pages.get(role)


def start_page_for(user: Any) -> str | None:
    """Where `user` lands: the first narrower start page of their role that holds for them, else the role's."""
    for role, only, url_name in _narrower_start_pages:
        if role == user.role and only(user):
            return url_name
    return _start_pages.get(user.role)


@dataclass(frozen=True)
class MenuEntry:
    """One link of the staff menu. `label` is a lazy translation (gettext_lazy); the link is marked as the
    current page when the request's URL name is one of `current_url_names`, or, when none are given, when the
    path starts with the entry's own URL."""

    label: Any
    url_name: str
    roles: frozenset[str]
    order: int
    current_url_names: tuple[str, ...] = ()


_menu: dict[str, MenuEntry] = {}


def register_menu_entry(entry: MenuEntry) -> None:
    _menu[entry.url_name] = entry


def menu_entries(role: str) -> list[MenuEntry]:
    """The entries a user of `role` sees, by their order."""
    return sorted((entry for entry in _menu.values() if role in entry.roles), key=lambda entry: entry.order)


_urls: dict[str, str] = {}


def register_urls(prefix: str, urlconf: str) -> None:
    """Serve the URL module `urlconf` (a dotted path) under `prefix` ("larva/"); patriot/urls.py includes it."""
    _urls[prefix] = urlconf


def url_modules() -> list[tuple[str, str]]:
    return list(_urls.items())


_api_routers: dict[str, Any] = {}


def register_api_router(prefix: str, router: Any) -> None:
    """Mount the django-ninja `router` under `prefix` ("/larvae") of the JSON API at /api/v1 (patriot/api.py)."""
    _api_routers[prefix] = router


def api_routers() -> list[tuple[str, Any]]:
    return list(_api_routers.items())


@dataclass
class SeedReport:
    """What a seed step tells the person running `patriot seed`: `lines` as the step finishes, `closing` after
    every step has run (how to sign in to the demo: accounts, keys, secrets)."""

    lines: list[str] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SeedStep:
    """`run()` creates what is missing and says what it did. Steps run by `order`: reference data first (areas 10,
    agencies 20, categories 30, routing rules 40, all in one transaction), then with `seed --demo` (demo mode
    only) the `demo` steps: accounts 100, keys 110, demo history from 200. `needed()`, when given, is asked for
    every step before any step of the run: demo history goes only into a database that had none."""

    name: str
    run: Callable[[], SeedReport]
    order: int
    demo: bool = False
    needed: Callable[[], bool] | None = None


_seed_steps: dict[str, SeedStep] = {}


def register_seed_step(step: SeedStep) -> None:
    _seed_steps[step.name] = step


def seed_steps(*, demo: bool) -> list[SeedStep]:
    """The steps of the given kind (reference data, or demo), by order, then by name."""
    steps = [step for step in _seed_steps.values() if step.demo == demo]
    return sorted(steps, key=lambda step: (step.order, step.name))


@dataclass(frozen=True)
class GaugeFamily:
    name: str
    help: str
    labels: tuple[str, ...] = ()


# Samples per family name: [(label values, value), ...].
GaugeSamples = dict[str, list[tuple[tuple[str, ...], float]]]


@dataclass(frozen=True)
class Gauges:
    """Figures /metrics reads from the database when scraped: `read()` returns the samples of `families` (one
    query for all of them, if it can)."""

    name: str
    families: tuple[GaugeFamily, ...]
    read: Callable[[], GaugeSamples]


_gauges: dict[str, Gauges] = {}


def register_gauges(gauges: Gauges) -> None:
    _gauges[gauges.name] = gauges


def gauges() -> list[Gauges]:
    return list(_gauges.values())


# A readiness check returns (state, details): state "ok", "failing" or "off"; details figures only, no text.
ReadinessCheck = Callable[[], tuple[str, dict[str, Any]]]
_readiness_checks: dict[str, ReadinessCheck] = {}


def register_readiness_check(name: str, check: ReadinessCheck) -> None:
    _readiness_checks[name] = check


def readiness_checks() -> dict[str, ReadinessCheck]:
    return dict(_readiness_checks)


# Given a database alias, the problems (core.checks: Django CheckMessage errors) production mode refuses.
ProductionDataCheck = Callable[[str], list[Any]]
_production_data_checks: dict[str, ProductionDataCheck] = {}


def register_production_data_check(name: str, check: ProductionDataCheck) -> None:
    _production_data_checks[name] = check


def production_data_checks() -> list[ProductionDataCheck]:
    return list(_production_data_checks.values())


# The shared workspaces an app may add a panel to (opscentre's pages).
WORKSPACES = ("poc-dashboard", "mayor")


@dataclass(frozen=True)
class WorkspacePanel:
    """A section an app adds to a shared workspace page: `template` is rendered with `context(request)` (plus the
    request). The template refreshes itself if it wants to (an hx-get on its own partial URL, triggered by its SSE
    event names: the workspace pages are connected to the staff stream). `roles`, when given, limits the panel to
    users of those roles; otherwise everyone who may open the workspace sees it, so it must hold no personal data."""

    name: str
    workspace: str
    template: str
    context: Callable[[Any], dict[str, Any]]
    order: int
    roles: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if self.workspace not in WORKSPACES:
            raise ValueError(f"unknown workspace {self.workspace!r}; one of {WORKSPACES}")


_panels: dict[tuple[str, str], WorkspacePanel] = {}


def register_workspace_panel(panel: WorkspacePanel) -> None:
    _panels[(panel.workspace, panel.name)] = panel


def workspace_panels(workspace: str, role: str) -> list[WorkspacePanel]:
    """The panels of `workspace` a user of `role` sees, by their order."""
    return sorted(
        (
            panel
            for (place, _name), panel in _panels.items()
            if place == workspace and (panel.roles is None or role in panel.roles)
        ),
        key=lambda panel: panel.order,
    )


@dataclass(frozen=True)
class HospitalCapacity:
    """What a hospital can take now, as a capacity provider knows it: its capability flags (services such as
    "icu", "cath_lab", "stroke_unit", "maternity") and its free emergency (IGD) and ICU beds, None when not
    reported or stale; `updated_at` is when the figures were last reported."""

    unit_id: int
    flags: frozenset[str]
    emergency_free: int | None
    icu_free: int | None
    updated_at: datetime | None
    stale: bool


# A function returning every hospital it knows: OrganisationUnit id → HospitalCapacity (one call, few queries).
HospitalCapacityProvider = Callable[[], dict[int, HospitalCapacity]]

_hospital_capacity: list[HospitalCapacityProvider] = []


def register_hospital_capacity(provider: HospitalCapacityProvider) -> None:
    """Set the hospital capacity provider (referrals sets its bed availability); the last one registered wins."""
    _hospital_capacity[:] = [provider]


def hospital_capacity() -> dict[int, HospitalCapacity] | None:
    """Every hospital's capacity from the registered provider, or None when no provider is registered (the
    caller falls back to its own list of hospitals)."""
    return _hospital_capacity[0]() if _hospital_capacity else None


@dataclass(frozen=True)
class DiagnosisMade:
    """A patient's diagnosis a facility acted on, without the patient: no name, no NIK, no birth date.

    `codes` are ICD-10 codes (main diagnosis first); `source` and `source_ref` name the record it came from
    ("referral", "RJK-000123"), unique together, so a listener can count it once however often it is announced.
    Where the patient lives, as far as the record knows: `village_id` (kelurahan) and `rw`, and `place` says what
    they are ("patient_address", or "referring_facility" when the record holds no address and the kelurahan is
    that of the facility that referred the patient)."""

    source: str
    source_ref: str
    codes: tuple[str, ...]
    on: date
    village_id: int | None
    rw: int | None = None
    place: str = "patient_address"


# Called inside the announcing app's transaction: an exception rolls the announcing step back with it.
DiagnosisListener = Callable[[DiagnosisMade], object]
_diagnosis_listeners: dict[str, DiagnosisListener] = {}


def register_diagnosis_listener(name: str, listener: DiagnosisListener) -> None:
    _diagnosis_listeners[name] = listener


def announce_diagnosis(diagnosis: DiagnosisMade) -> None:
    """Tell every registered listener (in registration order) of a diagnosis made in care."""
    for listener in list(_diagnosis_listeners.values()):
        listener(diagnosis)


@dataclass(frozen=True)
class TransferRequest:
    """A referral's ask for an ambulance (issue 12 item 7): where from (the referring facility's unit and point),
    where to (the accepting hospital's unit), how urgent (referrals' UrgencyChoices value) and the vital signs the
    transfer's triage level is read from. No patient identity: the PSC reads that through referrals.access."""

    referral_id: int
    referral_number: str
    urgency: str
    origin_unit_id: int
    origin_name: str
    latitude: float | None
    longitude: float | None
    destination_unit_id: int | None
    requested_by_id: int
    age_years: int | None = None
    gcs: int | None = None
    systolic: int | None = None
    spo2: int | None = None
    respiratory_rate: int | None = None


# Opens (or finds, if one was opened already) the transfer incident of a request, inside the caller's transaction;
# what it returns is not read.
TransferRequester = Callable[[TransferRequest], object]
_transfer_requesters: list[TransferRequester] = []


def register_transfer_requester(requester: TransferRequester | None) -> None:
    """Set who takes ambulance requests of referrals (emergency); None: requests are only recorded."""
    _transfer_requesters[:] = [requester] if requester is not None else []


def transfer_requester() -> TransferRequester | None:
    return _transfer_requesters[0] if _transfer_requesters else None


# Given a user and referral ids, those of them the user may read to transport the patient, with the purpose recorded
# for each read (one query, whatever the number of ids).
ReferralTransportReader = Callable[["Viewer", Collection[int]], dict[int, str]]
_referral_transport_readers: list[ReferralTransportReader] = []


def register_referral_transport_reader(reader: ReferralTransportReader | None) -> None:
    """Set who answers which referrals a user may read for their transport (emergency: its incidents' referrals
    for PSC roles); None: nobody reads referrals for transport."""
    _referral_transport_readers[:] = [reader] if reader is not None else []


def referral_transport_reader() -> ReferralTransportReader | None:
    return _referral_transport_readers[0] if _referral_transport_readers else None


# The ambulance of a referral's transfer reached the accepting hospital at the given time (inside emergency's step
# transaction): the referral records the arrival if its state allows it, and otherwise leaves it.
TransferArrival = Callable[[int, datetime], None]
_transfer_arrivals: list[TransferArrival] = []


def register_transfer_arrival(arrival: TransferArrival | None) -> None:
    """Set who records a transfer's arrival (referrals); None: nobody."""
    _transfer_arrivals[:] = [arrival] if arrival is not None else []


def transfer_arrival() -> TransferArrival | None:
    return _transfer_arrivals[0] if _transfer_arrivals else None


# The ambulance of a referral's transfer reached a hospital that is not the accepting one (or one its crew did not
# name), at the given time, with that hospital's name ("" when unknown; inside emergency's step transaction): the
# referral does not arrive, and records the diversion on its timeline for the referrer and the accepting hospital.
TransferDiversion = Callable[[int, datetime, str], None]
_transfer_diversions: list[TransferDiversion] = []


def register_transfer_diversion(diversion: TransferDiversion | None) -> None:
    """Set who records a transfer's diversion (referrals); None: nobody."""
    _transfer_diversions[:] = [diversion] if diversion is not None else []


def transfer_diversion() -> TransferDiversion | None:
    return _transfer_diversions[0] if _transfer_diversions else None
