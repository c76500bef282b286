"""The import rules of CONVENTIONS.md: collector, generator and api use core but never each
other; core uses none of them; infra uses none of our packages but the table schema (a pure
module); only the DynamoDB store in core touches boto3."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent
OURS = {"core", "collector", "generator", "api", "dctech"}
# What each package may import of ours: a package, or one module (and the names in it).
ALLOWED = {
    "core": {"core"},
    "collector": {"core", "collector"},
    "generator": {"core", "generator"},
    "api": {"core", "api", "chalicelib"},
    "infra": {"infra", "stacks", "core.store.schema"},  # the table's one definition
}
SCHEMA = REPO / "core" / "store" / "schema.py"
DYNAMODB_STORE = {
    "core/store/dynamodb.py",
    "core/store/dynamodb_errors.py",
    "core/store/expressions.py",  # boto3's item serialiser only
}


def imported_names(path: Path) -> set[str]:
    """Absolute imports as dotted names: `from a.b import c` is a.b.c (c may be a module)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_roots(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_names(path)}


def forbidden(path: Path, package: str) -> list[str]:
    """Our modules that `path` imports and `package` may not."""
    return sorted(
        name
        for name in imported_names(path)
        if name.split(".")[0] in OURS
        and not any(name == a or name.startswith(f"{a}.") for a in ALLOWED[package])
    )


def sources(package: str) -> list[Path]:
    skip = {"vendor", "cdk.out", ".chalice", "__pycache__"}
    return [p for p in (REPO / package).rglob("*.py") if not skip & set(p.relative_to(REPO).parts)]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_it_may(package):
    offenders = {str(path.relative_to(REPO)): forbidden(path, package) for path in sources(package)}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_infra_may_import_the_schema_and_nothing_else_of_core(tmp_path):
    assert "core.store.schema" in imported_names(REPO / "infra" / "stacks" / "data.py")
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from core.store import schema\nimport core.store.schema\n"
        "from core.store.schema import INDEXES\nfrom core.store import open_store\n"
        "from core import store\nimport core.store.dynamodb\nfrom core.store.schemas import x\n"
    )
    assert forbidden(probe, "infra") == [
        "core.store",
        "core.store.dynamodb",
        "core.store.open_store",
        "core.store.schemas.x",
    ]


def test_the_schema_is_pure():
    """Plain data the CDK app can import: nothing of ours, no AWS SDK, no CDK, even indirectly
    (importing it runs core/store/__init__.py too)."""
    assert not imported_roots(SCHEMA) & (OURS | {"boto3", "botocore", "aws_cdk", "constructs"})
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, core.store.schema; print(*sorted(sys.modules))"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert not {m.split(".")[0] for m in loaded} & {"boto3", "botocore", "aws_cdk", "yaml"}


def test_only_the_dynamodb_store_in_core_uses_boto3():
    users = {
        str(p.relative_to(REPO))
        for p in sources("core")
        if imported_roots(p) & {"boto3", "botocore"}
    }
    assert users <= DYNAMODB_STORE


def test_the_rule_checker_sees_imports(tmp_path):
    """Guard against a checker that passes because it reads nothing."""
    probe = tmp_path / "probe.py"
    probe.write_text("import generator.build\nfrom api import app\nfrom . import sibling\n")
    assert imported_roots(probe) == {"generator", "api"}
    assert imported_names(probe) == {"generator.build", "api.app"}
    assert len(sources("core")) >= 5
