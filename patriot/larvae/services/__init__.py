"""The only code that changes Si Tik Tik's records, one module per concern; callers import from here:

- `inspections`: record a jumantik's inspection (idempotent by its key)
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
]
