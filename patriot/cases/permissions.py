"""Who may take which workflow action on a case (object-level; visibility itself is queries.visible_cases)."""

from __future__ import annotations

from patriot.accounts.choices import RoleChoices
from patriot.accounts.models import User
from patriot.cases.choices import ChannelChoices
from patriot.cases.models import Case

Role = RoleChoices


def _same_agency(user: User, case: Case) -> bool:
    return user.role in Role.AGENCY_ROLES and user.agency_id is not None and user.agency_id == case.agency_id


def _own_team(user: User, case: Case) -> bool:
    return user.role == Role.URC_OFFICER and user.team_id is not None and user.team_id == case.team_id


def may(user: User, action: str, case: Case) -> bool:
    """Whether `user` may take `action` on `case` (the case's state is checked by the service)."""
    if action in {"verify", "reject", "merge", "dispatch"}:
        return user.is_poc
    if action == "forward":
        return user.is_poc or (_same_agency(user, case) and user.role == Role.AGENCY_ADMIN)
    if action == "assign":
        return user.role in {Role.POC_SUPERVISOR, Role.SYSTEM_ADMIN} or _same_agency(user, case)
    if action in {"start", "resolve"}:
        return _own_team(user, case) or _same_agency(user, case)
    if action in {"confirm", "dispute"}:
        # Staff act for the reporter only when the reporter asks them, e.g. on the 1500444 line.
        return user.role in Role.REPORTER_CONTACT_ROLES
    if action in {"comment", "add_photos"}:
        return user.sees_citywide or _same_agency(user, case) or _own_team(user, case)
    return False


def channels_for(user: User | None) -> set[str]:
    """Channels a caller may file a case through."""
    if user is None or not user.is_authenticated:
        return {ChannelChoices.POT}
    if user.role == Role.CITIZEN:
        return {ChannelChoices.POT, ChannelChoices.SOROT}
    if user.role in {Role.CALLCENTRE_OPERATOR, Role.POC_OPERATOR, Role.POC_SUPERVISOR, Role.SYSTEM_ADMIN}:
        return {ChannelChoices.POT, ChannelChoices.PHONE, ChannelChoices.FIELD}
    return {ChannelChoices.POT, ChannelChoices.FIELD}


# --- the mayor's instructions -------------------------------------------------------------------

INSTRUCTING_ROLES = frozenset({Role.MAYOR, Role.SYSTEM_ADMIN})


def may_instruct(user: User, case: Case) -> bool:
    """The mayor (and the system admin) may instruct on any case they can see."""
    return user.role in INSTRUCTING_ROLES


def may_answer_instruction(user: User, case: Case) -> bool:
    """The case's agency answers; before dispatch nobody else holds the case but the POC, so the POC does."""
    if user.role == Role.SYSTEM_ADMIN:
        return True
    if case.agency_id is None:
        return user.is_poc
    return _same_agency(user, case)
