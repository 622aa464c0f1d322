"""The profile's tables are reached only through the profile: no other package imports them."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
#: The profile's column types may be shared; its tables and repositories may not.
ALLOWED = {"careline.profile.models.types"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _private(module: str) -> bool:
    if any(module == name or module.startswith(f"{name}.") for name in ALLOWED):
        return False
    return any(
        module == name or module.startswith(f"{name}.")
        for name in ("careline.profile.models", "careline.profile.repositories"))


def test_no_package_outside_the_profile_imports_its_tables_or_repositories():
    offenders = {
        str(path.relative_to(ROOT)): sorted(m for m in _imports(path) if _private(m))
        for package in ("careline", "actions") for path in (ROOT / package).rglob("*.py")
        if "careline/profile/" not in path.as_posix()
        and "careline/db/migrations/" not in path.as_posix()
    }
    assert {path: found for path, found in offenders.items() if found} == {}


def test_the_check_sees_an_import_of_the_tables(tmp_path):
    module = tmp_path / "reader.py"
    module.write_text("from careline.profile.models import Customer\n"
                      "from careline.profile.models.types import UtcDateTime\n")
    assert sorted(m for m in _imports(module) if _private(m)) == [
        "careline.profile.models", "careline.profile.models.Customer"]
