"""What `import-areas`, `import-rw` and `import-places` share: read a file, import it with a progress bar, refuse it
whole."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from patriot.geo.services import AreaImportError, read_feature_collection

Result = TypeVar("Result")


def import_file(
    file: str,
    importer: Callable[..., Result],
    *,
    unit: str,
    verbosity: int,
    reader: Callable[[str], list[Any]] = read_feature_collection,
) -> Result:
    """Run `importer(items, progress=…)` on the file's items (by default a GeoJSON file's features); a refused file is a
    CommandError listing why.

    The bar starts with the first saved feature, so a file refused while being checked shows none. tqdm writes
    carriage returns to the real stderr; Django's output wrapper would end each with a newline.
    """
    bars: list[tqdm[Any]] = []
    features: list[dict[str, Any]] = []

    def advance(step: int) -> None:
        if not bars:
            bars.append(tqdm(total=len(features), unit=unit, file=sys.stderr, disable=verbosity < 1))
        bars[0].update(step)

    try:
        features = reader(file)
        return importer(features, progress=advance)
    except AreaImportError as error:
        raise CommandError(
            _("Impor dibatalkan, tidak ada data yang diubah:") + "\n" + "\n".join(error.problems)
        ) from error
    finally:
        for bar in bars:
            bar.close()
