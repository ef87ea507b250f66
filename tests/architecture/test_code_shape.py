"""The shape the code keeps: no import circles, modules short enough to read, few explained ignores.

The import graph is grimp's (the library behind import-linter), built from the source files without
importing them. Imports under `if TYPE_CHECKING:` are left out: they never run, so they cannot
make a circle at import time. Imports inside functions count: a circle hidden in a function is
still a circle.
"""

from __future__ import annotations

import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("incidents", "timeline", "config")
MAX_LINES = 500
MAX_TYPE_IGNORES = 15
# An ignore names its error codes and says why, on the same line:
#   value = thing.attribute  # type: ignore[attr-defined]  # set by the plugin at runtime
EXPLAINED_IGNORE = re.compile(r"#\s*type:\s*ignore\[[a-z-]+(,\s*[a-z-]+)*\]\s+#\s*\S.*\S")


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Return the groups of modules that reach each other through imports (Tarjan, iterative)."""
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges[root]))]
        index[root] = lowlink[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                target = pending.pop()
                if target not in index:
                    index[target] = lowlink[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, sorted(edges[target])))
                elif target in on_stack:
                    lowlink[node] = min(lowlink[node], index[target])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                lowlink[parent] = min(lowlink[parent], lowlink[node])
            if lowlink[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                groups.append(sorted(group))
    return groups


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PACKAGES, include_external_packages=False, exclude_type_checking_imports=True)


def test_tarjan_finds_a_circle_and_leaves_a_chain_alone() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}

    groups = strongly_connected(edges)

    assert ["a", "b", "c"] in groups
    assert ["d"] in groups
    assert ["e"] in groups


def test_no_module_imports_itself_through_others(graph: grimp.ImportGraph) -> None:
    modules = {module for module in graph.modules if ".migrations" not in module}
    edges = {
        module: {
            imported for imported in graph.find_modules_directly_imported_by(module) if imported in modules
        }
        for module in modules
    }

    circles = [group for group in strongly_connected(edges) if len(group) > 1]

    described = []
    for group in circles:
        first = group[0]
        second = next((member for member in group if member in edges[first]), group[1])
        there = graph.find_shortest_chain(importer=first, imported=second) or ()
        back = graph.find_shortest_chain(importer=second, imported=first) or ()
        described.append(f"{' -> '.join(there)} and back {' -> '.join(back)}")
    assert not circles, "Import circles:\n" + "\n".join(described)


def test_the_timeline_views_and_the_incident_views_do_not_import_each_other(graph: grimp.ImportGraph) -> None:
    # The circle this test was written for: both now build the page from views.detail.
    assert not graph.find_shortest_chain(
        importer="incidents.views.timeline", imported="incidents.views.incidents"
    )
    assert not graph.find_shortest_chain(
        importer="incidents.views.incidents", imported="incidents.views.timeline"
    )


def source_files(*roots: str, include_migrations: bool = False) -> list[Path]:
    files = []
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            if "migrations" in path.parts and not include_migrations:
                continue
            files.append(path)
    return files


def test_no_module_is_longer_than_500_lines() -> None:
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in source_files(*PACKAGES)
    }

    too_long = {path: length for path, length in lengths.items() if length > MAX_LINES}

    assert not too_long, f"Split these by purpose: {too_long}"


def test_type_ignores_are_few_and_each_says_why() -> None:
    # All the code but the tests: the apps (migrations too), the benchmarks and manage.py.
    files = [*source_files(*PACKAGES, "bench", include_migrations=True), ROOT / "manage.py"]
    ignores = [
        (str(path.relative_to(ROOT)), number, line.strip())
        for path in files
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"#\s*type:\s*ignore", line)
    ]

    unexplained = [ignore for ignore in ignores if not EXPLAINED_IGNORE.search(ignore[2])]

    assert len(ignores) <= MAX_TYPE_IGNORES, f"{len(ignores)} `type: ignore`s: " + "\n".join(
        f"{path}:{number}" for path, number, _ in ignores
    )
    assert not unexplained, "Name the error code and say why on the same line:\n" + "\n".join(
        f"{path}:{number}: {line}" for path, number, line in unexplained
    )
