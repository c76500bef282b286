"""The import rules of CONVENTIONS.md: collector, generator and api use core but never each
other; core uses none of them; infra uses none of our packages; only the DynamoDB store in core
touches boto3."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent
OURS = {"core", "collector", "generator", "api", "dctech"}
ALLOWED = {
    "core": {"core"},
    "collector": {"core", "collector"},
    "generator": {"core", "generator"},
    "api": {"core", "api", "chalicelib"},
    "infra": {"infra", "stacks"},
}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def sources(package: str) -> list[Path]:
    skip = {"vendor", "cdk.out", ".chalice", "__pycache__"}
    return [p for p in (REPO / package).rglob("*.py") if not skip & set(p.relative_to(REPO).parts)]


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_what_it_may(package):
    offenders = {
        str(path.relative_to(REPO)): sorted((imported_roots(path) & OURS) - ALLOWED[package])
        for path in sources(package)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_the_dynamodb_store_in_core_uses_boto3():
    users = [
        str(p.relative_to(REPO))
        for p in sources("core")
        if imported_roots(p) & {"boto3", "botocore"}
    ]
    assert users in ([], ["core/store/dynamodb.py"])


def test_the_rule_checker_sees_imports(tmp_path):
    """Guard against a checker that passes because it reads nothing."""
    probe = tmp_path / "probe.py"
    probe.write_text("import generator.build\nfrom api import app\nfrom . import sibling\n")
    assert imported_roots(probe) == {"generator", "api"}
    assert len(sources("core")) >= 5
