"""The only code that changes PSC 119's records, one module per concern; callers import from here
(`from patriot.emergency import services; services.create_incident`):

- `incidents`: open an incident from a call, close a call that is not an emergency, move an ambulance through its
  run (AMBULANCE_MACHINE) stamping the incident's intervals
- `crew`: the crew's status taps (idempotent, with the time of the tap), position, patient report and destination
  hospital (the pre-arrival notice), and the hospital's acknowledgement of the handover
"""

from __future__ import annotations

from patriot.emergency.services.crew import (
    CREW_ACTIONS,
    REPORT_STATUSES,
    StepResult,
    Vitals,
    acknowledge_handover,
    choose_destination,
    crew_ambulance,
    record_crew_step,
    save_patient_report,
    share_position,
)
from patriot.emergency.services.dispatch import REROUTE, REROUTE_MACHINE, dispatch_units, reroute_ambulance
from patriot.emergency.services.incidents import (
    ADD_UNITS,
    AMBULANCE_MACHINE,
    CLOSE_NON_EMERGENCY,
    DISPATCH_INCIDENT,
    INCIDENT_MACHINE,
    INCIDENT_STAMPS,
    MAX_CALL_AGE,
    REQUIRED_ANSWERS,
    UNIT_WITHDRAWN,
    CallDetails,
    close_non_emergency,
    create_incident,
    move_ambulance,
    record_non_emergency_call,
)

__all__ = [
    "ADD_UNITS",
    "AMBULANCE_MACHINE",
    "CLOSE_NON_EMERGENCY",
    "CREW_ACTIONS",
    "DISPATCH_INCIDENT",
    "INCIDENT_MACHINE",
    "INCIDENT_STAMPS",
    "MAX_CALL_AGE",
    "REPORT_STATUSES",
    "REQUIRED_ANSWERS",
    "REROUTE",
    "REROUTE_MACHINE",
    "UNIT_WITHDRAWN",
    "CallDetails",
    "StepResult",
    "Vitals",
    "acknowledge_handover",
    "choose_destination",
    "close_non_emergency",
    "create_incident",
    "crew_ambulance",
    "dispatch_units",
    "move_ambulance",
    "record_crew_step",
    "record_non_emergency_call",
    "reroute_ambulance",
    "save_patient_report",
    "share_position",
]
