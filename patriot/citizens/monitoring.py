"""What the citizens app shows operations (core.registry): the notification relay's lag behind the outbox, on
/metrics and as the `outbox` readiness check of /readyz."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from patriot.citizens.notify import relay_lag_seconds
from patriot.core.registry import GaugeFamily, Gauges, GaugeSamples


def read_lag_gauge() -> GaugeSamples:
    return {"patriot_outbox_lag_seconds": [((), relay_lag_seconds())]}


LAG_GAUGE = Gauges(
    "citizens",
    (GaugeFamily("patriot_outbox_lag_seconds", "Age of the oldest case event the notification relay has not passed."),),
    read_lag_gauge,
)


def outbox_check() -> tuple[str, dict[str, Any]]:
    """Failing when the relay is further behind than PATRIOT_READY_OUTBOX_LAG_SECONDS."""
    lag = relay_lag_seconds()
    state = "ok" if lag <= settings.PATRIOT_READY_OUTBOX_LAG_SECONDS else "failing"
    return state, {"lag_seconds": round(lag, 1)}
