"""Reference data every installation starts with: complaint categories and routing rules from the data files
(cases/data/), loaded by `patriot seed` through the steps registered in apps.py (core.registry)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeGuard

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.translation import gettext as _

from patriot.accounts.models import Agency
from patriot.cases.choices import CategoryGroupChoices, PriorityChoices
from patriot.cases.models import Category, RoutingRule
from patriot.core.registry import SeedReport, SeedStep
from patriot.geo.models import District, Village

CASES_DATA_DIR = Path(__file__).resolve().parent / "data"

# Open311 GeoReport v2 attribute datatypes; the report form and the Open311 service definitions show them.
ATTRIBUTE_DATATYPES = frozenset({"string", "number", "text", "datetime", "singlevaluelist", "multivaluelist"})
LIST_DATATYPES = frozenset({"singlevaluelist", "multivaluelist"})
_ATTRIBUTE_KEYS = frozenset({"code", "label", "label_en", "datatype", "required", "values", "unit"})


def _is_text(value: object) -> TypeGuard[str]:
    return isinstance(value, str) and value.strip() != ""


def _value_errors(position: str, values: object) -> list[str]:
    if not isinstance(values, list) or not values:
        return [_("%(attr)s: daftar pilihan (values) wajib diisi untuk jenis daftar.") % {"attr": position}]
    errors = []
    keys: set[str] = set()
    for value in values:
        if not isinstance(value, dict) or not _is_text(value.get("key")) or not _is_text(value.get("name")):
            errors.append(_("%(attr)s: setiap pilihan memerlukan key dan name.") % {"attr": position})
        elif value["key"] in keys:
            errors.append(
                _("%(attr)s: key pilihan %(key)s dipakai dua kali.") % {"attr": position, "key": value["key"]}
            )
        else:
            keys.add(value["key"])
    return errors


def attribute_definition_errors(definitions: object) -> list[str]:
    """What is wrong with a category's `attributes` definitions; an empty list means they are usable.

    Each definition is {code, label, label_en, datatype, required, values, unit}: `values` (a list of
    {key, name, name_en}) only for list datatypes, `unit` optional.
    """
    if not isinstance(definitions, list):
        return [_("Atribut harus berupa daftar (JSON list).")]
    errors: list[str] = []
    codes: set[str] = set()
    for index, definition in enumerate(definitions, start=1):
        if not isinstance(definition, dict):
            errors.append(_("Atribut ke-%(n)d harus berupa objek JSON.") % {"n": index})
            continue
        code = definition.get("code")
        position = str(code) if _is_text(code) else _("atribut ke-%(n)d") % {"n": index}
        if not _is_text(code):
            errors.append(_("%(attr)s: code wajib diisi.") % {"attr": position})
        elif code in codes:
            errors.append(_("%(attr)s: code dipakai dua kali.") % {"attr": position})
        else:
            codes.add(code)
        unknown = sorted(set(definition) - _ATTRIBUTE_KEYS)
        if unknown:
            errors.append(
                _("%(attr)s: kunci tidak dikenal: %(keys)s.") % {"attr": position, "keys": ", ".join(unknown)}
            )
        if not _is_text(definition.get("label")):
            errors.append(_("%(attr)s: label wajib diisi.") % {"attr": position})
        if "label_en" in definition and not isinstance(definition["label_en"], str):
            errors.append(_("%(attr)s: label_en harus berupa teks.") % {"attr": position})
        if "unit" in definition and not isinstance(definition["unit"], str):
            errors.append(_("%(attr)s: unit harus berupa teks.") % {"attr": position})
        if not isinstance(definition.get("required", False), bool):
            errors.append(_("%(attr)s: required harus true atau false.") % {"attr": position})
        datatype = definition.get("datatype")
        if datatype not in ATTRIBUTE_DATATYPES:
            errors.append(
                _("%(attr)s: datatype harus salah satu dari %(types)s.")
                % {"attr": position, "types": ", ".join(sorted(ATTRIBUTE_DATATYPES))}
            )
        elif datatype in LIST_DATATYPES:
            errors.extend(_value_errors(position, definition.get("values")))
        elif "values" in definition:
            errors.append(_("%(attr)s: values hanya untuk jenis daftar.") % {"attr": position})
    return errors


def _read_json(name: str) -> list[dict[str, Any]]:
    with (CASES_DATA_DIR / name).open(encoding="utf-8") as fh:
        rows: list[dict[str, Any]] = json.load(fh)
    return rows


def _default_agency(code: str | None, source: str) -> Agency | None:
    """A category without a default agency ("Lainnya") is dispatched by the POC after it classifies the report."""
    return None if code is None else _agency(code, source)


def _agency(code: str, source: str) -> Agency:
    try:
        return Agency.objects.get(code=code)
    except Agency.DoesNotExist:
        raise ImproperlyConfigured(f"{source}: unknown agency {code!r}; load the agencies first.") from None


@transaction.atomic
def load_categories() -> int:
    """Create the categories of cases/data/categories.json that are missing; returns how many were created.

    Existing categories are left as they are, so a city's edits in the admin survive re-seeding; a
    category the city does not want should be deactivated, since a deleted one is created again.
    """
    created_count = 0
    for row in _read_json("categories.json"):
        source = f"categories.json {row['code']}"
        errors = attribute_definition_errors(row.get("attributes", []))
        if errors:
            raise ImproperlyConfigured(f"{source}: {' '.join(errors)}")
        if row["group"] not in CategoryGroupChoices.values():
            raise ImproperlyConfigured(f"{source}: unknown group {row['group']!r}.")
        if row["default_priority"] not in PriorityChoices.values():
            raise ImproperlyConfigured(f"{source}: unknown priority {row['default_priority']!r}.")
        _category, created = Category.objects.get_or_create(
            code=row["code"],
            defaults={
                "name": row["name"],
                "name_en": row["name_en"],
                "description": row["description"],
                "description_en": row["description_en"],
                "group": row["group"],
                "icon": row["icon"],
                "keywords": row["keywords"],
                "default_agency": _default_agency(row["default_agency"], source),
                "default_priority": row["default_priority"],
                "verify_days": row["verify_days"],
                "followup_days": row["followup_days"],
                "verify_hours": row.get("verify_hours"),
                "followup_hours": row.get("followup_hours"),
                "attributes": row.get("attributes", []),
            },
        )
        created_count += created
    return created_count


@transaction.atomic
def load_routing_rules() -> int:
    """Create the rules of cases/data/routing_rules.json that are missing; returns how many were created.

    A rule names a category and at most one area (a kecamatan or a kelurahan code); an existing rule for
    the same category and area keeps the agency the city gave it.
    """
    created_count = 0
    for row in _read_json("routing_rules.json"):
        area_code = row.get("village") or row.get("district") or "city"
        source = f"routing_rules.json {row['category']} @ {area_code}"
        try:
            category = Category.objects.get(code=row["category"])
            district = District.objects.get(code=row["district"]) if "district" in row else None
            village = Village.objects.get(code=row["village"]) if "village" in row else None
        except (Category.DoesNotExist, District.DoesNotExist, Village.DoesNotExist) as exc:
            raise ImproperlyConfigured(f"{source}: {exc}") from None
        _rule, created = RoutingRule.objects.get_or_create(
            category=category,
            district=district,
            village=village,
            defaults={"agency": _agency(row["agency"], source)},
        )
        created_count += created
    return created_count


def seed_categories() -> SeedReport:
    created = load_categories()
    return SeedReport([f"Kategori: {Category.objects.count()} ({created} baru)"])


def seed_routing_rules() -> SeedReport:
    created = load_routing_rules()
    return SeedReport([f"Aturan disposisi: {RoutingRule.objects.count()} ({created} baru)"])


SEED_STEPS = (
    SeedStep("categories", seed_categories, 30),
    SeedStep("routing-rules", seed_routing_rules, 40),
)
