"""No import cycle between apps: built from the source of every module under patriot/, module-level and
function-level imports alike (an import moved into a function still ties the two apps together)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import patriot

ROOT = Path(patriot.__file__).parent
# The project's own modules (settings, urls, api, asgi, __main__) are one node: they mount every app.
PROJECT = "<project>"

Edges = dict[tuple[str, str], list[str]]


def node_of(module: str) -> str | None:
    """The app a dotted module name belongs to, PROJECT for the project's own modules, None outside patriot."""
    parts = module.split(".")
    if parts[0] != "patriot":
        return None
    if len(parts) > 1 and (ROOT / parts[1]).is_dir() and (ROOT / parts[1] / "__init__.py").exists():
        return parts[1]
    return PROJECT


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int]]:
    """Every module `tree` imports at run time (anywhere in it, but not under `if TYPE_CHECKING:`), with its line."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((target, node.lineno))
            found.extend((f"{target}.{alias.name}", node.lineno) for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def app_edges() -> Edges:
    """(importing app, imported app) → the import sites, over every module under patriot/."""
    edges: Edges = defaultdict(list)
    for path in sorted(ROOT.rglob("*.py")):
        module = module_name(path)
        source = node_of(module)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for target_module, line in imported_modules(tree, module, path.name == "__init__.py"):
            target = node_of(target_module)
            if target is not None and source is not None and target != source:
                site = f"{path.relative_to(ROOT.parent)}:{line} imports {target_module}"
                if site not in edges[(source, target)]:
                    edges[(source, target)].append(site)
    return dict(edges)


def cycles(edges: Edges) -> list[list[str]]:
    """The strongly connected components of more than one app (Tarjan), each sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in edges:
        graph[source].add(target)
        graph.setdefault(target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph[node]):
            if neighbour not in index:
                connect(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            connect(node)
    return components


def test_the_graph_sees_module_level_and_function_level_imports() -> None:
    edges = app_edges()
    # Module level: the call centre files reports through cases.
    assert any("patriot/callcentre/services.py" in site for site in edges[("callcentre", "cases")])
    # Function level: an app's ready() registers with the core.
    assert any("patriot/cases/apps.py" in site for site in edges[("cases", "core")])
    # The project mounts the apps.
    assert ("<project>", "cases") in edges


def test_cycle_finder_reports_a_cycle() -> None:
    edges: Edges = {("a", "b"): [], ("b", "c"): [], ("c", "a"): [], ("c", "d"): []}
    assert cycles(edges) == [["a", "b", "c"]]
    assert cycles({("a", "b"): [], ("b", "c"): []}) == []


def test_no_import_cycle_between_apps() -> None:
    edges = app_edges()
    found = cycles(edges)
    details = [
        f"{' ↔ '.join(component)}: "
        + "; ".join(
            site
            for (source, target), sites in sorted(edges.items())
            if source in component and target in component
            for site in sites[:2]
        )
        for component in found
    ]
    assert not found, "\n".join(details)


def test_no_app_imports_the_project_modules() -> None:
    importing = {source: sites for (source, target), sites in app_edges().items() if target == PROJECT}
    assert importing == {}
