"""The import rules (docs/architecture.md): collector, generator and api use core but never each
other; core uses none of them; infra uses none of our packages but the table schema (a pure
module); only the DynamoDB store and the content download in core touch boto3; the pure core
does no I/O."""

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
AWS_CLIENTS = {  # the DynamoDB store, and the content bucket's download
    "core/store/dynamodb.py",
    "core/store/dynamodb_errors.py",
    "core/store/expressions.py",  # boto3's item serialiser only
    "core/content.py",  # S3, imported only when a content bucket is named
}
# The pure core: values and rules that any caller (CLI, Lambda, API, CDK app) can run anywhere,
# and tests can run without files, network or clock. No I/O module, no file or clock call, and of
# ours only other pure modules. The time zone database is data (zoneinfo reads it once, cached).
PURE = {
    "core/__init__.py",
    "core/errors.py",
    "core/ids.py",
    "core/lifecycle.py",
    "core/limits.py",
    "core/models.py",
    "core/parity.py",
    "core/places.py",
    "core/query.py",  # reads only through the EventStore it is handed
    "core/series.py",
    "core/text.py",
    "core/timeutil.py",
    "core/words.py",
    "core/store/base.py",  # the store interface and StoreError
    "core/store/schema.py",
}
# Every other core module, with what makes it impure: a new one is a decision, not an accident.
IMPURE = {
    "core/config.py": "reads config.yaml, _groups/ and _single_events/",
    "core/content.py": "downloads the content folders from S3",
    "core/yamldoc.py": "reads YAML files",
    "core/runtime.py": "wires the store and the clock from the environment",
    "core/store/__init__.py": "reads $DCTECH_STORE and opens a store",
    "core/store/sqlite.py": "the SQLite store",
    "core/store/dynamodb.py": "the DynamoDB store",
    "core/store/dynamodb_errors.py": "botocore's exceptions",
    "core/store/expressions.py": "boto3's item serialiser",
}
IO_MODULES = {
    "boto3", "botocore", "requests", "urllib3", "sqlite3", "socket", "ssl", "http",
    "urllib.request", "subprocess", "shutil", "tempfile", "multiprocessing", "threading",
    "asyncio", "os", "io", "sys", "time", "yaml",
}  # fmt: skip
IO_CALLS = {"open", "print", "input"}
IO_METHODS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "now", "today"}


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


def within(name: str, modules: set[str]) -> bool:
    """`name` is one of ``modules`` or something in one of them."""
    return any(name == m or name.startswith(f"{m}.") for m in modules)


def dotted(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def impurities(path: Path) -> list[str]:
    """What keeps `path` out of the pure core: I/O modules, our impure modules, file, console
    and clock calls."""
    pure = {dotted(p) for p in PURE} - {"core"}  # `core.x` must name a pure module itself
    found = [
        name
        for name in imported_names(path)
        if within(name, IO_MODULES) or (name.split(".")[0] in OURS and not within(name, pure))
    ]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            call = node.func
            if isinstance(call, ast.Name) and call.id in IO_CALLS:
                found.append(f"{call.id}()")
            elif isinstance(call, ast.Attribute) and call.attr in IO_METHODS:
                found.append(f".{call.attr}()")
    return sorted(found)


def modules_loaded_by(names: list[str]) -> set[str]:
    """The modules a fresh interpreter has loaded once it imported ``names``."""
    code = "; ".join(["import sys", *(f"import {name}" for name in names), "print(*sys.modules)"])
    run = [sys.executable, "-c", code]
    return set(
        subprocess.run(run, cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
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
    loaded = modules_loaded_by(["core.store.schema"])
    assert not {m.split(".")[0] for m in loaded} & {"boto3", "botocore", "aws_cdk", "yaml"}


def test_only_the_dynamodb_store_and_the_content_download_in_core_use_boto3():
    users = {
        str(p.relative_to(REPO))
        for p in sources("core")
        if imported_roots(p) & {"boto3", "botocore"}
    }
    assert users <= AWS_CLIENTS


def test_the_rule_checker_sees_imports(tmp_path):
    """Guard against a checker that passes because it reads nothing."""
    probe = tmp_path / "probe.py"
    probe.write_text("import generator.build\nfrom api import app\nfrom . import sibling\n")
    assert imported_roots(probe) == {"generator", "api"}
    assert imported_names(probe) == {"generator.build", "api.app"}
    assert len(sources("core")) >= 5


def test_every_core_module_is_pure_or_says_why_not():
    modules = {str(p.relative_to(REPO)) for p in sources("core")}
    assert modules - PURE - set(IMPURE) == set()
    assert modules >= PURE


def test_the_pure_core_does_no_io():
    offenders = {path: impurities(REPO / path) for path in sorted(PURE)}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_importing_the_pure_core_loads_no_io_module():
    """Even indirectly: importing core.store.base runs core/store/__init__.py too."""
    baseline = modules_loaded_by([])  # what any interpreter has loaded (os, io...) before ours

    def io_loaded(names: list[str]) -> set[str]:
        return {m for m in modules_loaded_by(names) - baseline if within(m, IO_MODULES)}

    assert io_loaded([dotted(p) for p in sorted(PURE)]) == set()
    assert "sqlite3" in io_loaded(["core.store.sqlite"])  # the check sees what it should


def test_the_purity_checker_sees_io(tmp_path):
    """Guard against a checker that passes because it reads nothing."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import socket\nfrom urllib import request\nfrom urllib.parse import urlsplit\n"
        "from core.store import sqlite, EventStore\nfrom core.store.base import Touch\n"
        "from core.models import Event\nfrom core import config\n"
        "open('x')\nPath('x').read_text()\ndatetime.now(UTC)\nevent.start_date\n"
    )
    assert impurities(probe) == [
        ".now()",
        ".read_text()",
        "core.config",
        "core.store.EventStore",  # core.store is impure: import core.store.base's
        "core.store.sqlite",
        "open()",
        "socket",
        "urllib.request",
    ]
