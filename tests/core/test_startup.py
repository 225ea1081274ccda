"""Start-up: the long-lived objects are frozen out of the garbage collector's walks, in the ASGI app too."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from patriot.core.startup import settle


def test_settle_freezes_what_is_loaded_so_collections_walk_far_fewer_objects() -> None:
    gc.unfreeze()
    tracked = len(gc.get_objects())
    try:
        settle()
        assert gc.get_freeze_count() > 50_000  # Django, the apps, the URLconf and the API schemas
        assert len(gc.get_objects()) < tracked / 10
    finally:
        gc.unfreeze()


def test_the_asgi_app_settles_each_process_it_is_loaded_in(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PATRIOT_")}
    env.update(PATRIOT_VAR_DIR=str(tmp_path), PATRIOT_INPROCESS_WORKER="0", DJANGO_SETTINGS_MODULE="patriot.settings")
    code = "import gc, patriot.asgi; print(gc.get_freeze_count())"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) > 50_000
