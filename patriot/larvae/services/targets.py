"""RT targets: how many houses an RT should inspect each week, set by its coordinator, puskesmas or Dinkes."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from patriot.accounts.models import User
from patriot.core import clock
from patriot.core.errors import Forbidden, InvalidInput
from patriot.geo.models import Village
from patriot.larvae.models import RtTarget
from patriot.larvae.scope import supervised_area

MAX_RT_TARGET = 1000


def set_rt_target(user: User, *, village: Village, rw: int, rt: int, houses: int) -> RtTarget:
    """Set one RT's weekly house target. Only a supervisor whose area holds the RT may (a coordinator their RW or
    kelurahan, a puskesmas its kelurahan, Dinkes any)."""
    scope = supervised_area(user)
    if scope is None or not scope.covers(village_id=village.pk, district_id=village.district_id, rw=rw):
        raise Forbidden(_("RT ini di luar wilayah yang Anda awasi."), code="forbidden")
    for value, field, label in ((rw, "rw", _("RW")), (rt, "rt", _("RT"))):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 999:
            raise InvalidInput(
                _("%(label)s harus bilangan bulat 1 sampai 999.") % {"label": label}, code="out_of_range", field=field
            )
    if isinstance(houses, bool) or not isinstance(houses, int) or not 1 <= houses <= MAX_RT_TARGET:
        raise InvalidInput(
            _("Target rumah harus bilangan bulat 1 sampai %(high)d.") % {"high": MAX_RT_TARGET},
            code="out_of_range",
            field="houses",
        )
    with transaction.atomic():
        target, _created = RtTarget.objects.update_or_create(
            village=village, rw=rw, rt=rt, defaults={"houses": houses, "updated_by": user, "updated_at": clock.now()}
        )
    return target
