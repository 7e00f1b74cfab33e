"""The core is pure: standard library only, no environment, no wall clock (architecture §1).

import-linter forbids the infrastructure packages; this test also forbids any other
third-party import and the clock/environment reads that an import contract cannot see.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "streams" / "core"
IMPURE = re.compile(r"os\.environ|os\.getenv|datetime\.now\(|date\.today\(|time\.time\(|"
                    r"datetime\.utcnow\(|\bopen\(|\bprint\(")


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_core_imports_only_the_standard_library_and_itself() -> None:
    allowed = set(sys.stdlib_module_names) | {"streams", "__future__"}
    offenders = {p.name: imported_roots(p) - allowed for p in CORE.rglob("*.py")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_core_reads_no_clock_environment_or_files() -> None:
    offenders = [f"{p.name}:{i}" for p in CORE.rglob("*.py")
                 for i, line in enumerate(p.read_text().splitlines(), 1) if IMPURE.search(line)]
    assert offenders == []
