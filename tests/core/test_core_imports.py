"""The core imports no feature app (issue 10, item 1): apps plug in through core.registry instead.

Feature apps are every app under patriot/ except the platform: core, accounts, geo and events (so a new app such
as emergency, referrals or larvae counts without editing this list). Every import is read from the source,
including those inside functions and under TYPE_CHECKING, and relative ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

import patriot

PACKAGE = Path(patriot.__file__).resolve().parent
PLATFORM = {"core", "accounts", "geo", "events"}


def feature_apps(package: Path = PACKAGE) -> set[str]:
    return {path.parent.name for path in package.glob("*/apps.py")} - PLATFORM


def imported_modules(path: Path, package: Path = PACKAGE) -> set[str]:
    """Absolute names of the modules a file imports (relative imports resolved against its package)."""
    here = path.relative_to(package.parent).with_suffix("").parts  # ("patriot", "core", "views")
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(here[: len(here) - node.level])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def feature_imports(directory: Path, package: Path = PACKAGE) -> list[str]:
    features = feature_apps(package)
    found = []
    for path in sorted(directory.rglob("*.py")):
        for module in sorted(imported_modules(path, package)):
            parts = module.split(".")
            if len(parts) > 1 and parts[0] == "patriot" and parts[1] in features:
                found.append(f"{path.relative_to(package.parent)}: {module}")
    return found


def test_the_feature_apps_are_every_app_but_the_platform() -> None:
    assert {"cases", "citizens", "callcentre", "opscentre", "open311"} <= feature_apps()
    assert not feature_apps() & PLATFORM


def test_core_imports_no_feature_app() -> None:
    assert feature_imports(PACKAGE / "core") == []


def test_the_scan_sees_every_kind_of_import(tmp_path: Path) -> None:
    package = tmp_path / "patriot"
    for app in ("core", "cases", "larvae"):
        (package / app).mkdir(parents=True)
        (package / app / "apps.py").write_text("")
    (package / "core" / "one.py").write_text("from patriot.cases import services\n")
    (package / "core" / "two.py").write_text("def f():\n    import patriot.larvae.models\n")
    (package / "core" / "three.py").write_text("from ..cases.models import Case\n")
    (package / "core" / "four.py").write_text("from patriot import cases\n")
    (package / "core" / "five.py").write_text("import importlib\nimportlib.import_module('patriot.larvae.jobs')\n")
    (package / "core" / "fine.py").write_text("from patriot.core import registry\nimport patriot.accounts\n")
    found = feature_imports(package / "core", package)
    assert [line.split(":")[0] for line in found] == [
        "patriot/core/five.py",
        "patriot/core/four.py",
        "patriot/core/one.py",
        "patriot/core/one.py",
        "patriot/core/three.py",
        "patriot/core/three.py",
        "patriot/core/two.py",
    ]
