"""The only code that changes Sirine's records, one module per concern; callers import from here:

- `beds`: load the facilities, bed figures by hospital staff (set by API, one tap on the phone page)
- `referrals`: create, send (one, or several at once for an emergency), accept (reserving a bed) or reject,
  transport, arrival, admission, completion, back-referral, cancellation, escalation of late answers
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
from patriot.referrals.services.referrals import (
    RECEIVER_ACTIONS_ORDER,
    REFERRAL_MACHINE,
    ReferralDetails,
    Suggestion,
    Upload,
    accept,
    create_referral,
    depart,
    escalate_overdue,
    facility_of,
    primary_care_codes,
    purge_finished,
    reject,
    send,
    send_next,
    set_primary_care,
    step,
    suggest,
)

__all__ = [
    "FACILITIES_FILE",
    "RECEIVER_ACTIONS_ORDER",
    "REFERRAL_MACHINE",
    "TAP_FIELDS",
    "BedFigures",
    "ReferralDetails",
    "Suggestion",
    "Upload",
    "accept",
    "create_referral",
    "depart",
    "escalate_overdue",
    "facility_of",
    "load_facilities",
    "primary_care_codes",
    "purge_finished",
    "reject",
    "send",
    "send_next",
    "set_beds",
    "set_primary_care",
    "staff_facility",
    "step",
    "suggest",
    "tap",
    "validate_figures",
]
