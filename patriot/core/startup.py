"""What a process does once it is loaded and before it serves: called last by the ASGI app (patriot/asgi.py) in each
uvicorn process, and by in-process benches (bench/scale.py) so they measure the server's garbage collection.

Django, the apps, the URLconf with every view and django-ninja's schemas are ~170,000 objects the garbage collector
tracks and that live as long as the process. A full (generation 2) collection walks them all: ~115 ms on this
machine, landing on whichever requests are running then (the staff search bench saw 220–250 ms at 1,000,000 cases).
`gc.freeze()` moves them to the permanent generation, which no collection walks: the same full collection then takes
~9 ms. Objects made later are collected as before; memory is unchanged (frozen objects are still freed when nothing
refers to them, only cycles among them are not collected). The collection thresholds stay Python's: a gen-0 threshold
of 5,000 instead of 700 made 7 times fewer collections but no less collection time in total, each one longer.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Load the URLconf (every app's urls, views and API schemas), collect once, then freeze what is left."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 -- the property imports the URLconf
    gc.collect()
    gc.freeze()
