"""Which phone lines ring where. One phone-system hook serves both numbers, naming the line in each announcement:
a call on one of the PSC 119 lines (PATRIOT_PSC_LINES, default "119") rings on the PSC call taker's page, any other
call on the 1500444 console. The call centre's "transfer to 119" puts the caller on the first PSC line."""

from __future__ import annotations

from django.conf import settings

from patriot.accounts.choices import RoleChoices

# Who answers a PSC line (and receives its calls' live events): the PSC's call takers and dispatchers.
PSC_LINE_ROLES = frozenset({RoleChoices.PSC_CALL_TAKER, RoleChoices.PSC_DISPATCHER})


def psc_lines() -> tuple[str, ...]:
    return tuple(getattr(settings, "PATRIOT_PSC_LINES", ("119",)))


def is_psc_line(line: str) -> bool:
    return line in psc_lines()
