"""The only code that changes Sirine's records, one module per concern; callers import from here:

- `beds`: load the facilities, bed figures by hospital staff (set by API, one tap on the phone page)
"""

from __future__ import annotations

from patriot.referrals.services.beds import (
    FACILITIES_FILE,
    TAP_FIELDS,
    BedFigures,
    load_facilities,
    set_beds,
    staff_facility,
    tap,
    validate_figures,
)

__all__ = [
    "FACILITIES_FILE",
    "TAP_FIELDS",
    "BedFigures",
    "load_facilities",
    "set_beds",
    "staff_facility",
    "tap",
    "validate_figures",
]
