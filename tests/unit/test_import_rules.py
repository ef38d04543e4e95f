"""The package boundaries hold, read from the source's own import statements (static, so a lazy import
inside a function counts as much as one at the top):

- nothing in the product (`retail_sync`) imports the dev-only sandbox package;
- only `retail_sync.airflow` imports Airflow: the flows and everything under them run without it;
- `retail_sync.canonical` imports nothing else of ours;
- the production install (requirements.txt, include/pyproject.toml) does not carry the sandbox.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ROOT / "include" / "retail_sync"


def imported_modules(path: Path) -> set[str]:
    """Absolute names of every module `path` imports (relative imports resolved against its package)."""
    package = ["retail_sync", *path.relative_to(PRODUCT).parent.parts]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
            else:
                found.add(node.module or "")
    return found


def modules_under(folder: Path) -> dict[Path, set[str]]:
    return {path: imported_modules(path) for path in folder.rglob("*.py")}


def offenders(folder: Path, forbidden) -> list[str]:
    return [f"{path.relative_to(ROOT)} imports {name}"
            for path, names in modules_under(folder).items() for name in sorted(names) if forbidden(name)]


def test_the_import_scanner_sees_relative_and_lazy_imports():
    # A guard against a scanner that finds nothing: the rules below would then pass vacuously.
    names = imported_modules(PRODUCT / "airflow" / "hooks" / "odoo.py")
    assert any(n.startswith("airflow") for n in names)
    assert "retail_sync.odoo.client" in names or any(n.startswith("retail_sync.odoo") for n in names)


def test_the_product_never_imports_the_sandbox():
    assert offenders(PRODUCT, lambda name: name.split(".")[0] == "retail_sync_sandbox") == []


def test_only_the_airflow_package_imports_airflow():
    bad = [line for line in offenders(PRODUCT, lambda name: name.split(".")[0] == "airflow")
           if not line.startswith("include/retail_sync/airflow/")]
    assert bad == []


def test_canonical_imports_nothing_else_of_ours():
    assert offenders(PRODUCT / "canonical", lambda name: name.startswith("retail_sync.")
                     and not name.startswith("retail_sync.canonical")) == []


def test_the_production_install_does_not_carry_the_sandbox():
    requirements = (ROOT / "requirements.txt").read_text()
    assert "./sandbox" not in requirements and "retail-sync-sandbox" not in requirements
    assert not (PRODUCT / "sandbox").exists()
    pyproject = (ROOT / "include" / "pyproject.toml").read_text()
    assert '"retail_sync*"' not in pyproject  # that pattern would also match retail_sync_sandbox
    dockerfile = (ROOT / "Dockerfile").read_text()
    production_stage = dockerfile.split("AS production", 1)[1].split("\nFROM ", 1)[0]
    steps = [line for line in production_stage.splitlines() if line.startswith(("COPY", "RUN"))]
    assert steps and not any("sandbox" in step for step in steps)
