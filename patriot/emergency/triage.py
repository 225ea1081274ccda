"""The proposed triage level of a 119 call, from the chief complaint and the caller's answers to the key questions.

A pure function of the answers: no database, no clock. The call taker sees the proposal and may set another level
with a reason (Incident.final_level, override_reason). The rules, first match wins:

1. Not conscious, not breathing normally, or severe bleeding → P1 (red). "Not known" counts as the worse answer:
   on the phone, over-triage costs an ambulance, under-triage costs a life.
2. A time-critical complaint (chest pain, stroke signs, drowning) → P1, even when the patient talks and breathes:
   heart attack, stroke and drowning are treated against the clock.
3. An infant (< 1 year) or an elderly patient (65+), whatever the complaint → at least P2 (yellow).
4. A complaint that needs an ambulance soon (traffic accident, breathing problem, unconscious now awake, seizure,
   bleeding/trauma, burn, poisoning, pregnancy/labour) → P2.
5. Anything else (a fall, other) with a conscious, normally breathing patient and no severe bleeding → P3 (green).

P0 (black: obvious death — decapitation, rigor mortis, decomposition) is never proposed: the four questions cannot
establish it, and proposing it from "not breathing" would withhold CPR. Only the call taker sets it, with a reason.
`table()` lists the proposal for every combination of answers, for the call taker's page to show it live.

An inter-facility transfer (a referral's ambulance, `transfer_level`) is not triaged by the four questions: the
patient is already under a clinician's care at the referring facility, and the ambulance is the link to definitive
care, not the first response. The rule, first match wins:

1. Vital signs showing instability (GCS ≤ 8, systolic pressure < 90 mmHg, SpO2 < 90 %, respiratory rate < 10 or
   > 29 /min: the thresholds of the Revised Trauma Score and qSOFA) → P1, whatever the referral's urgency.
2. An emergency referral (gawat darurat) → P2: time-dependent, but stabilised before it leaves.
3. An urgent or routine referral → P3: scheduled transport.

The dispatcher may still set another level on the board, as for any incident.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import product

from patriot.emergency.choices import AgeBandChoices as Age
from patriot.emergency.choices import AnswerChoices as Answer
from patriot.emergency.choices import ComplaintChoices as Complaint
from patriot.emergency.choices import TriageLevelChoices as Level

TIME_CRITICAL = frozenset({Complaint.CHEST_PAIN, Complaint.STROKE_SIGNS, Complaint.DROWNING})
URGENT = frozenset(
    {
        Complaint.TRAFFIC_ACCIDENT,
        Complaint.BREATHING_PROBLEM,
        Complaint.UNCONSCIOUS,
        Complaint.SEIZURE,
        Complaint.BLEEDING_TRAUMA,
        Complaint.BURN,
        Complaint.POISONING,
        Complaint.PREGNANCY_LABOUR,
    }
)
VULNERABLE_AGES = frozenset({Age.INFANT, Age.ELDERLY})


@dataclass(frozen=True)
class Answers:
    """The key questions: values of ComplaintChoices, AnswerChoices (three questions) and AgeBandChoices."""

    complaint: str
    conscious: str
    breathing_normally: str
    severe_bleeding: str
    age_band: str


def propose(answers: Answers) -> str:
    """The proposed level (a TriageLevelChoices value: P1, P2 or P3) for these answers."""
    if answers.conscious != Answer.YES or answers.breathing_normally != Answer.YES:
        return Level.P1
    if answers.severe_bleeding != Answer.NO:
        return Level.P1
    if answers.complaint in TIME_CRITICAL:
        return Level.P1
    if answers.age_band in VULNERABLE_AGES or answers.complaint in URGENT:
        return Level.P2
    return Level.P3


def key(answers: Answers) -> str:
    """The answers as one string, the key of `table()`."""
    return "|".join(
        (answers.complaint, answers.conscious, answers.breathing_normally, answers.severe_bleeding, answers.age_band)
    )


@cache
def table() -> dict[str, str]:
    """The proposal for every combination of answers (13 × 3 × 3 × 3 × 5 = 1,755 entries), keyed by `key()`; built once per process (do not change the returned dict)."""
    proposals: dict[str, str] = {}
    for combination in product(
        Complaint.caller_values(), Answer.values(), Answer.values(), Answer.values(), Age.values()
    ):
        answers = Answers(*combination)
        proposals[key(answers)] = propose(answers)
    return proposals


# The referral urgencies (referrals.choices.UrgencyChoices values; emergency never imports referrals).
EMERGENCY_REFERRAL = "emergency"


@dataclass(frozen=True)
class TransferSigns:
    """The referral's urgency and last vital signs, as the referring facility recorded them (None: not taken)."""

    urgency: str
    gcs: int | None = None
    systolic: int | None = None
    spo2: int | None = None
    respiratory_rate: int | None = None

    @property
    def unstable(self) -> bool:
        return (
            (self.gcs is not None and self.gcs <= 8)
            or (self.systolic is not None and self.systolic < 90)
            or (self.spo2 is not None and self.spo2 < 90)
            or (self.respiratory_rate is not None and not 10 <= self.respiratory_rate <= 29)
        )


def transfer_level(signs: TransferSigns) -> str:
    """The level of an inter-facility transfer (the rule in this module's docstring)."""
    if signs.unstable:
        return Level.P1
    if signs.urgency == EMERGENCY_REFERRAL:
        return Level.P2
    return Level.P3
