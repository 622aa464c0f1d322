"""The handoff package stands below the desk: the desk imports it, never the reverse,
not even lazily inside a function (a hidden cycle is still a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import careline.handoff

HANDOFF = Path(careline.handoff.__file__).parent


def imported_modules(source: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(source.read_text(), filename=str(source))):
        if isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
        elif isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
    return modules


def test_no_handoff_module_imports_the_desk() -> None:
    sources = sorted(HANDOFF.rglob("*.py"))
    assert len(sources) > 10  # the package itself, not an empty folder
    offenders = {f"{source.relative_to(HANDOFF)}: {module}" for source in sources
                 for module in imported_modules(source)
                 if module == "careline.desk" or module.startswith("careline.desk.")}
    assert not offenders
