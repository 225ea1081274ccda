"""Pages of long lists that never count a whole table: the count stops at a cap ("more than 10,000")."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Counting stops here: past it a list says "more than 10,000" and offers pages up to that many rows.
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A Paginator whose count reads at most `cap` + 1 rows (SELECT count(*) FROM (… LIMIT cap + 1)), so a page
    of a million matching cases costs what a page of ten thousand does. `more` says the count was cut."""

    def __init__(self, object_list: Any, per_page: int, *, cap: int | None = None, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.cap = COUNT_CAP if cap is None else cap

    @cached_property
    def counted(self) -> int:
        rows: Any = self.object_list  # a QuerySet: counting its slice is COUNT(*) over a LIMIT subquery
        # Without the list's order: any cap + 1 matching rows will do, so the database may read them from
        # whichever index answers the filter (index-only where it can) instead of walking the sort order.
        return int(rows.order_by()[: self.cap + 1].count())

    @cached_property
    def count(self) -> int:
        return min(self.counted, self.cap)

    @property
    def more(self) -> bool:
        """True when more rows match than were counted."""
        return self.counted > self.cap
