"""infra/build_lambda.py: Lambda bundles from a checkout, without Docker.

The fast tests assemble bundles over a stand-in dependency tree; the slow one runs the real pip
step against PyPI (deselect with `-m "not slow"` when offline)."""

from __future__ import annotations

import ast
import hashlib
import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from core.content import FOLDERS

REPO = Path(__file__).parent.parent
sys.path.append(str(REPO / "infra"))

import build_lambda  # noqa: E402
from stacks.handlers import API_HANDLER, COLLECTOR_HANDLER, RENDER_HANDLER  # noqa: E402

HANDLERS = {"collector": COLLECTOR_HANDLER, "render": RENDER_HANDLER, "api": API_HANDLER}
PROVIDED_BY_LAMBDA = {"boto3", "botocore"}
OUR_CODE = ("core", "collector", "generator", "app.py", "chalice")


def lock() -> dict[str, str]:
    """Name -> pinned version, from infra/lambda-requirements.txt; every pin carries hashes."""
    lines = build_lambda.LOCK.read_text().splitlines()
    pins = {}
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        if match := re.match(r"([A-Za-z0-9._-]+)==(\S+)", line):
            assert following.strip().startswith("--hash=sha256:"), f"no hashes for {line}"
            pins[build_lambda.requirement_name(match[1])] = match[2]
    return pins


def test_the_lock_pins_every_runtime_dependency_within_pyprojects_ranges():
    pins = lock()
    requirements = [Requirement(r) for r in build_lambda.runtime_requirements()]
    assert {"jinja2", "icalendar", "pyyaml"} <= {r.name.lower() for r in requirements}
    for requirement in requirements:
        name = build_lambda.requirement_name(requirement.name)
        assert name in pins, f"{name} is missing from {build_lambda.LOCK.name}: regenerate it"
        assert requirement.specifier.contains(pins[name], prereleases=True), (name, pins[name])
    assert not (build_lambda.PROVIDED | build_lambda.VENDORED | {"botocore"}) & set(pins)


def test_requirement_names_are_normalised():
    assert build_lambda.requirement_name("PyYAML>=6.0") == "pyyaml"
    assert build_lambda.requirement_name("x_wr.timezone [extra] >=1") == "x-wr-timezone"
    assert build_lambda.requirement_name("recurring-ical-events>=3.3") == "recurring-ical-events"


@pytest.fixture(scope="module")
def fake_dependencies(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("deps")
    (root / "somedep").mkdir()
    (root / "somedep" / "__init__.py").write_text("VERSION = 1\n")
    (root / "somedep" / "__pycache__").mkdir()
    (root / "somedep" / "__pycache__" / "x.cpython-312.pyc").write_bytes(b"\0")
    return root


@pytest.fixture(scope="module")
def assembled(tmp_path_factory, fake_dependencies) -> dict[str, Path]:
    return build_lambda.assemble(tmp_path_factory.mktemp("out"), fake_dependencies)


def resolve_handler(bundle: Path, handler: str) -> bool:
    """Does `module.name` exist in the bundle the way Lambda imports it: a module file at the
    bundle's root (or in a package there) that defines `name`?"""
    module, name = handler.rsplit(".", 1)
    path = bundle.joinpath(*module.split(".")).with_suffix(".py")
    if not path.is_file():
        return False
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and node.name == name:
            return True
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return True
    return False


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_each_bundle_holds_its_handler(assembled, name):
    assert resolve_handler(assembled[name], HANDLERS[name]), HANDLERS[name]


def test_bundles_carry_the_data_their_function_reads(assembled):
    for name in ("collector", "render", "api"):
        assert (assembled[name] / "config.yaml").read_bytes() == (REPO / "config.yaml").read_bytes()
    assert (assembled["render"] / "templates" / "base.html").is_file()
    assert (assembled["render"] / "templates" / "static" / "site.css").is_file()
    # Each function gets its own code only.
    assert not (assembled["collector"] / "generator").exists()
    assert not (assembled["render"] / "collector").exists()
    assert not (assembled["api"] / "collector").exists()


@pytest.mark.parametrize("name", sorted(HANDLERS))
def test_no_bundle_ships_the_content(assembled, name):
    """The content comes from the content bucket (core/content.py): a new group is a content
    deploy, and a Lambda rebuild never needed for it."""
    shipped = {p.name for p in assembled[name].iterdir()}
    assert not shipped & set(FOLDERS), name


def test_the_api_bundle_is_what_chalice_package_would_ship(assembled):
    api = assembled["api"]
    assert (api / "app.py").read_bytes() == (REPO / "api" / "app.py").read_bytes()
    assert sorted(p.name for p in (api / "chalice").iterdir()) == ["__init__.py", "app.py"]
    assert (api / "core" / "store" / "dynamodb.py").is_file()
    assert (api / "config.yaml").read_bytes() == (REPO / "config.yaml").read_bytes()  # timezone
    assert not (api / "vendor").exists()


def test_bundles_hold_dependencies_but_no_bytecode(assembled):
    for bundle in assembled.values():
        assert (bundle / "somedep" / "__init__.py").is_file()
        assert not list(bundle.rglob("__pycache__")) and not list(bundle.rglob("*.pyc"))


def test_a_rebuild_replaces_stale_files(tmp_path, fake_dependencies):
    first = build_lambda.assemble(tmp_path, fake_dependencies)
    (first["collector"] / "stale.py").write_text("")
    second = build_lambda.assemble(tmp_path, fake_dependencies)
    assert not (second["collector"] / "stale.py").exists()


AARCH64 = 183  # ELF e_machine


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", path
    return int.from_bytes(header[18:20], "little")


def digest(root: Path) -> str:
    """Paths, contents and permission bits of a tree: what makes CDK's asset hash and zip."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(f"{path.relative_to(root)}\0{path.stat().st_mode:o}\0".encode())
        h.update(path.read_bytes())
    return h.hexdigest()


def imported_roots(bundle: Path) -> set[str]:
    """Top-level modules our code in the bundle imports, anywhere in a file (lazy imports too)."""
    roots = set()
    for top in OUR_CODE:
        for path in [bundle / top] if top.endswith(".py") else (bundle / top).rglob("*.py"):
            if not path.is_file():
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    roots.update(a.name.split(".")[0] for a in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    roots.add(node.module.split(".")[0])
    return roots


WHEELS = build_lambda.WHEELS  # `make test-deps` downloads them


@pytest.mark.slow
@pytest.mark.skipif(not WHEELS.is_dir(), reason=f"no {WHEELS}: run `make test-deps`")
def test_real_bundles_for_lambda_on_arm64_are_complete_and_reproducible(tmp_path):
    """The pip step for real, twice, byte-equal: the lock file's wheels for CPython 3.12 on
    arm64, from the folder `make test-deps` filled, with no index (no test reaches PyPI)."""
    first = build_lambda.build(tmp_path / "one", WHEELS)
    second = build_lambda.build(tmp_path / "two", WHEELS)
    for name, bundle in first.items():
        assert digest(bundle) == digest(second[name]), f"{name} is not reproducible"
        assert resolve_handler(bundle, HANDLERS[name]), HANDLERS[name]
        # Every import of our code is satisfied by the bundle, the stdlib or the runtime.
        present = {p.stem if p.suffix == ".py" else p.name for p in bundle.iterdir()}
        missing = imported_roots(bundle) - present - set(sys.stdlib_module_names)
        assert missing <= PROVIDED_BY_LAMBDA, f"{name} lacks {sorted(missing)}"
        # zoneinfo needs tzdata: the Lambda image has no system time zone database.
        assert (bundle / "tzdata" / "zoneinfo" / "America" / "New_York").is_file()
        assert not PROVIDED_BY_LAMBDA & present
        assert not (bundle / "bin").exists() and not list(bundle.rglob("*.pyc"))
        binaries = list(bundle.rglob("*.so"))
        assert binaries, "expected compiled wheels (pyyaml, markupsafe, nh3)"
        assert {elf_machine(b) for b in binaries} == {AARCH64}, binaries
        assert not [b.name for b in binaries if "cpython-3" in b.name and "-312-" not in b.name]
        size = sum(p.stat().st_size for p in bundle.rglob("*") if p.is_file())
        assert size < 50e6  # far below Lambda's 250 MB unzipped limit
