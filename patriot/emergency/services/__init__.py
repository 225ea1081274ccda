"""The only code that changes PSC 119's records, one module per concern; callers import from here
(`from patriot.emergency import services; services.create_incident`):

- `incidents`: open an incident from a call, close a call that is not an emergency, move an ambulance through its
  run (AMBULANCE_MACHINE) stamping the incident's intervals
"""

from __future__ import annotations

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
    "DISPATCH_INCIDENT",
    "INCIDENT_MACHINE",
    "INCIDENT_STAMPS",
    "MAX_CALL_AGE",
    "REQUIRED_ANSWERS",
    "REROUTE",
    "REROUTE_MACHINE",
    "UNIT_WITHDRAWN",
    "CallDetails",
    "close_non_emergency",
    "create_incident",
    "dispatch_units",
    "move_ambulance",
    "record_non_emergency_call",
    "reroute_ambulance",
]
