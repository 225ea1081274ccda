"""Template context for a signed-in citizen's pages: the unread notification count shown in the site menu."""

from __future__ import annotations

from django.http import HttpRequest

from patriot.accounts.choices import RoleChoices
from patriot.citizens.queries import unread_count


def citizen_menu(request: HttpRequest) -> dict[str, int]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != RoleChoices.CITIZEN:
        return {}
    return {"citizen_unread": unread_count(user)}
