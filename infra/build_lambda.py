"""Build the Lambda bundles from a checkout, without Docker.

    python infra/build_lambda.py [--out build/lambda] [--wheels DIR]
    python infra/build_lambda.py --download [DIR]

Writes one directory per function (collector, render, api) that CDK zips as the function's code:
our packages, config.yaml and the templates, and the runtime dependencies pinned (with hashes) in
infra/lambda-requirements.txt, installed by pip from binary wheels for the Lambda platform
(CPython 3.12 on arm64). boto3 is left out: the Lambda runtime provides it. The API also gets
Chalice's runtime module (chalice/__init__.py and app.py), which is what `chalice package` ships.
The same checkout gives byte-identical bundles, so CDK's asset hashes change only with the code.
``--download`` fetches the lock file's wheels into DIR (default .wheels/lambda), and ``--wheels
DIR`` then builds from them alone, with no index: how `make test-deps` and the bundle test build
without the network.
No bundle ships the content folders (_groups/ ... _overrides/): each function downloads them
from the content bucket (core/content.py), so new content is a content deploy, never a rebuild.
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

INFRA = Path(__file__).resolve().parent
REPO = INFRA.parent
LOCK = INFRA / "lambda-requirements.txt"
WHEELS = REPO / ".wheels" / "lambda"  # where --download puts the lock file's wheels (gitignored)
PLATFORM = (
    "--platform=manylinux2014_aarch64",
    "--implementation=cp",
    "--python-version=3.12",
    "--only-binary=:all:",
)
PROVIDED = {"boto3"}  # by the Lambda runtime
VENDORED = {"chalice"}  # only its runtime module ships (copied from the installed package)
# Per function: path in the bundle -> path in the repository.
BUNDLES: dict[str, dict[str, str]] = {
    "collector": {
        "core": "core",
        "collector": "collector",
        "config.yaml": "config.yaml",
    },
    "render": {
        "core": "core",
        "generator": "generator",
        "templates": "templates",
        "config.yaml": "config.yaml",
    },
    "api": {
        "app.py": "api/app.py",
        "core": "core",
        "config.yaml": "config.yaml",
        "templates": "templates",  # the submission forms
        # the write path's modules (api/package.py ships the same for `chalice package`)
        **{
            f"api/{p.name}": f"api/{p.name}"
            for p in sorted((REPO / "api").glob("*.py"))
            if p.name not in ("app.py", "local.py", "package.py")
        },
    },
}
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


def runtime_requirements() -> list[str]:
    """pyproject's dependencies that the bundles install: what the lock file must pin."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [r for r in project["dependencies"] if requirement_name(r) not in PROVIDED | VENDORED]


def requirement_name(requirement: str) -> str:
    """The normalised distribution name of a requirement line ("PyYAML>=6" -> "pyyaml")."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement.strip())
    if not match:
        raise ValueError(f"not a requirement: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _pip(command: str, *options: str) -> None:
    """Run pip on the lock file's wheels for the Lambda platform (every package is pinned with
    its hash, transitive ones included, so none is resolved)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            command,
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--require-hashes",
            *PLATFORM,
            *options,
            f"--requirement={LOCK}",
        ],
        check=True,
    )


def download_wheels(wheels: Path) -> None:
    """Fetch the lock file's wheels into `wheels` (pip's cache makes a second run offline)."""
    _pip("download", f"--dest={wheels}")


def install_dependencies(target: Path, wheels: Path | None = None) -> None:
    """pip-install the lock file's wheels into `target`: from PyPI, or only from `wheels`."""
    local = ("--no-index", f"--find-links={wheels}") if wheels else ()
    # .pyc files would embed timestamps; Lambda compiles on import
    _pip("install", "--no-compile", f"--target={target}", *local)
    # Console scripts and RECORD files name the build machine's interpreter: not needed to run.
    shutil.rmtree(target / "bin", ignore_errors=True)
    for record in target.glob("*.dist-info/RECORD"):
        record.unlink()


def assemble(out: Path, dependencies: Path) -> dict[str, Path]:
    """Write out/<function> for every function: `dependencies` (an installed tree) plus its
    share of the repository. Returns the bundle directories by function name."""
    bundles = {}
    for name, contents in BUNDLES.items():
        bundle = out / name
        shutil.rmtree(bundle, ignore_errors=True)
        shutil.copytree(dependencies, bundle, ignore=SKIP)
        for inside, source in contents.items():
            (bundle / inside).parent.mkdir(parents=True, exist_ok=True)
            _copy(REPO / source, bundle / inside)
        bundles[name] = bundle
    _copy_chalice_runtime(bundles["api"] / "chalice")
    return bundles


def build(out: Path, wheels: Path | None = None) -> dict[str, Path]:
    with tempfile.TemporaryDirectory(prefix="dctech-deps-") as scratch:
        dependencies = Path(scratch)
        install_dependencies(dependencies, wheels)
        return assemble(out, dependencies)


def _copy(source: Path, target: Path) -> None:
    if source.is_dir():
        shutil.copytree(source, target, ignore=SKIP)
    elif source.is_file():
        shutil.copyfile(source, target)
    else:
        raise FileNotFoundError(f"{source} is missing from the checkout")


def _copy_chalice_runtime(target: Path) -> None:
    spec = importlib.util.find_spec("chalice")
    if spec is None or spec.origin is None:
        raise SystemExit("chalice is not installed: pip install chalice")
    package = Path(spec.origin).parent
    target.mkdir()
    for module in ("__init__.py", "app.py"):
        shutil.copyfile(package / module, target / module)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "lambda")
    parser.add_argument("--wheels", type=Path, help="install only from the wheels in this folder")
    parser.add_argument(
        "--download",
        type=Path,
        nargs="?",
        const=WHEELS,
        help=f"only fetch the wheels into this folder (default {WHEELS.relative_to(REPO)})",
    )
    parser.add_argument(
        "--requirements",
        action="store_true",
        help="print the runtime requirements (the input for regenerating the lock file)",
    )
    args = parser.parse_args(argv)
    if args.requirements:
        print("\n".join(runtime_requirements()))
        return 0
    if args.download:
        download_wheels(args.download)
        return 0
    for name, bundle in build(args.out, args.wheels).items():
        size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file())
        print(f"{name}: {bundle} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
