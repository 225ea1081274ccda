"""API shapes of cases. Public, reporter and staff views are separate so personal data cannot slip through."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel

from patriot.cases.choices import RejectionReasonChoices


class AreaRef(Schema):
    code: str
    name: str


class AgencyRef(Schema):
    code: str
    short_name: str
    name: str


class TeamRef(Schema):
    code: str
    name: str


class CategoryRef(Schema):
    code: str
    name: str
    name_en: str
    group: str


class PhotoOut(Schema):
    id: int
    kind: str
    url: str
    width: int
    height: int


class TimelineOut(Schema):
    kind: str
    label: str
    actor: str
    at: datetime
    from_state: str
    to_state: str
    note: str
    data: dict[str, Any]


class ReporterOut(Schema):
    name: str
    phone: str
    email: str
    account: str | None = None


# A case's title as every page heads it (Case.headline): the reporter's own title as written, else the category's name
# in the language of the request (Accept-Language), so an untitled report reads "Pothole" in English.
TITLE = (
    "The title the reporter wrote, as written; a report filed without one is titled with its category's name in the "
    "language of the request (Accept-Language). A rejected report shows only its category's name."
)


class CasePublicOut(Schema):
    tracking_number: str
    channel: str
    category: CategoryRef
    title: str = Field(..., description=TITLE)
    description: str | None  # None: a rejected report's text is not public
    attributes: dict[str, Any]
    state: str
    state_label: str
    priority: str
    latitude: float
    longitude: float
    address: str
    village: AreaRef
    district: AreaRef
    agency: AgencyRef | None
    sla_status: str
    due_at: datetime | None
    dispute_until: datetime | None
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    rejection_reason: str
    resolution_note: str
    photos: list[PhotoOut]
    timeline: list[TimelineOut]


class CaseReporterOut(CasePublicOut):
    """What the reporter sees through their private link: their own contact details and what they may do."""

    is_anonymous: bool
    is_confidential: bool
    reporter: ReporterOut
    allowed_actions: list[str]


class DuplicateOut(Schema):
    tracking_number: str
    title: str = Field(..., description=TITLE)
    state: str
    distance_metres: float
    created_at: datetime


class CaseStaffOut(CasePublicOut):
    id: int
    is_anonymous: bool
    is_confidential: bool
    # Null when the viewer may not see who reported (anonymous report, role below the POC).
    reporter: ReporterOut | None
    team: TeamRef | None
    duplicate_of: str | None
    h3_cell: str
    h3_cell_coarse: str
    due_soon_at: datetime | None
    escalated_at: datetime | None
    verified_at: datetime | None
    dispatched_at: datetime | None
    assigned_at: datetime | None
    started_at: datetime | None
    allowed_actions: list[str]
    # Offered while the case waits for verification (same category, within 250 m, last 30 days).
    duplicate_suggestions: list[DuplicateOut]


class CaseListItem(Schema):
    tracking_number: str
    channel: str
    category: str
    title: str = Field(..., description=TITLE)
    state: str
    priority: str
    village: AreaRef
    district: AreaRef
    agency: str | None
    team: str | None
    sla_status: str
    due_at: datetime | None
    created_at: datetime
    latitude: float
    longitude: float


class CaseListOut(Schema):
    count: int = Field(
        description="Matching cases, counted up to 10,000, or 1,000 with a text filter (see count_capped)."
    )
    count_capped: bool = Field(
        False,
        description="True when more than `count` cases match: the count stopped at 10,000 (1,000 with a text filter) "
        "and so do the pages.",
    )
    page: int
    page_size: int
    results: list[CaseListItem]


# Intake's input: plain pydantic models, not ninja's Schema, whose wrapping validator (for reading ORM objects, of
# no use to a JSON body) made validating a report ~13 times slower (58 → 4.6 µs); the API document is the same.
class ReporterIn(BaseModel):
    name: str = Field("", max_length=120)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)


class CaseIn(BaseModel):
    category: str = Field(..., description="Category code, see GET /api/v1/categories")
    description: str = Field(..., description="What happened (at most 5000 characters)")
    latitude: float = Field(..., ge=-90, le=90)
    longitude: float = Field(..., ge=-180, le=180)
    title: str = ""
    address: str = ""
    attributes: dict[str, Any] = Field(default_factory=dict)
    channel: Literal["pot", "sorot", "phone", "field"] = Field(
        "pot", description="pot for the public; sorot, phone and field need an account of that kind"
    )
    reporter: ReporterIn | None = None
    is_anonymous: bool = False
    is_confidential: bool = False

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "category": "jalan-berlubang",
                    "description": "Lubang besar di depan pasar, membahayakan pengendara motor.",
                    "latitude": -6.251143,
                    "longitude": 107.0043,
                    "reporter": {"name": "Siti Rahma", "phone": "081234567890"},
                }
            ]
        }
    }


class CaseCreatedOut(Schema):
    tracking_number: str
    state: str
    created: bool = Field(..., description="False when an earlier request with the same Idempotency-Key made it")
    reporter_key: str = Field(..., description="Secret for the reporter's private link; keep it")
    tracking_url: str
    due_at: datetime | None


# What the API document tells a client about who reads each staff text (TimelineKindChoices.CITIZEN_NOTE_KINDS).
INTERNAL_NOTE = "Internal: never shown to the reporter or the public."
CITIZEN_NOTE = "Shown to the reporter and on the public tracking page."


class NoteIn(Schema):
    note: str = ""


class VerifyIn(Schema):
    note: str = Field("", description=INTERNAL_NOTE)
    is_anonymous: bool | None = None
    is_confidential: bool | None = None
    priority: Literal["low", "normal", "high", "urgent"] | None = None


class RejectIn(Schema):
    reason: str = Field(..., description=", ".join(RejectionReasonChoices.values()))
    note: str = Field("", description=CITIZEN_NOTE)


class MergeIn(Schema):
    into: str = Field(..., description="Tracking number of the older case")
    note: str = Field("", description=INTERNAL_NOTE)


class DispatchIn(Schema):
    agency: str | None = Field(None, description="Agency code; empty uses the routing rules")
    note: str = Field("", description=INTERNAL_NOTE)


class ForwardIn(Schema):
    agency: str
    reason: str = Field(..., description=INTERNAL_NOTE)


class ForwardedOut(Schema):
    tracking_number: str
    state: str
    agency: str


class AssignIn(Schema):
    team: str
    note: str = Field("", description=INTERNAL_NOTE)


class CommentIn(Schema):
    note: str = Field(..., description="Internal unless is_public is true.")
    is_public: bool = Field(False, description="Show the comment to the reporter and on the public tracking page.")


class ReasonIn(Schema):
    reason: str


class OverviewCell(Schema):
    state: str
    agency: str | None
    open: int
    due_soon: int
    overdue: int


class OverviewOut(Schema):
    open_total: int
    due_soon: int
    overdue: int
    new_today: int
    open_by_state_and_agency: list[OverviewCell]
    generated_at: datetime


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    description: str
    description_en: str
    group: str
    group_label: str
    icon: str
    keywords: str
    default_agency: str | None
    verify_target: str
    followup_target: str
    attributes: list[dict[str, Any]]


class AgencyOut(Schema):
    code: str
    short_name: str
    name: str
    teams: list[TeamRef]


# --- the mayor's instructions ("disposisi pimpinan") ---------------------------------------------


class InstructionIn(Schema):
    text: str = Field(..., description="The instruction (at most 2000 characters)")


class InstructionAnswerIn(Schema):
    answer: str = Field(..., description="The agency's answer (at most 2000 characters)")


class InstructionOut(Schema):
    """Internal: for staff who may see the case. People appear by role (and agency), never by name."""

    id: int
    tracking_number: str
    text: str
    author: str = Field(..., description="Role of the author, e.g. 'Wali kota'")
    created_at: datetime
    answered: bool
    answer: str
    answered_by: str | None = Field(..., description="Role and agency of who answered, e.g. 'Admin OPD · DBMSDA'")
    answered_at: datetime | None
