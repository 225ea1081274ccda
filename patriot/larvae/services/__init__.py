"""The only code that changes Si Tik Tik's records, one module per concern; callers import from here:

- `inspections`: record a jumantik's inspection (idempotent by its key)
- `targets`: an RT's weekly house target, set by its supervisors
"""

from __future__ import annotations

from patriot.larvae.services.inspections import (
    CLOCK_SKEW,
    MAX_CONTAINERS,
    MAX_RESIDENTS,
    MAX_RW_RT,
    RECORDING_ROLES,
    ContainerEntry,
    IdempotencyConflict,
    InspectionSubmission,
    RecordedInspection,
    record_inspection,
)
from patriot.larvae.services.targets import set_rt_target

__all__ = [
    "CLOCK_SKEW",
    "MAX_CONTAINERS",
    "MAX_RESIDENTS",
    "MAX_RW_RT",
    "RECORDING_ROLES",
    "ContainerEntry",
    "IdempotencyConflict",
    "InspectionSubmission",
    "RecordedInspection",
    "record_inspection",
    "set_rt_target",
]
