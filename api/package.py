"""Build the API's Lambda artifact from a checkout: vendor `core`, then run `chalice package`.

Chalice ships only app.py, chalicelib/, vendor/ and requirements.txt, so the shared `core` package,
the write path's modules of `api` (all but this file, app.py and local.py), the templates of its
forms and the topic files are copied into api/vendor/ (gitignored) first. Usage:
``python api/package.py [OUT_DIR] [--stage prod]`` (deployment.zip and sam.json land in OUT_DIR),
or ``--vendor-only`` before ``chalice deploy``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

API = Path(__file__).resolve().parent
REPO = API.parent
NOT_SHIPPED = {"app.py", "local.py", "package.py"}  # the handler itself; local and build tools
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc")


def write_modules() -> list[Path]:
    """The modules of `api` the Lambda imports beside app.py."""
    return sorted(p for p in API.glob("*.py") if p.name not in NOT_SHIPPED)


def vendor_core() -> Path:
    """Fresh copies in api/vendor/ (stale files from an older copy removed); returns core's."""
    vendor = API / "vendor"
    for name in ("core", "api", "templates", "_categories"):
        shutil.rmtree(vendor / name, ignore_errors=True)
    for name in ("core", "templates", "_categories"):
        shutil.copytree(REPO / name, vendor / name, ignore=SKIP)
    (vendor / "api").mkdir(parents=True)
    for module in write_modules():
        shutil.copyfile(module, vendor / "api" / module.name)
    return vendor / "core"


def chalice_command() -> str:
    """The `chalice` script of the running interpreter's environment, else the one on PATH."""
    beside = Path(sys.executable).parent / "chalice"
    found = str(beside) if beside.exists() else shutil.which("chalice")
    if not found:
        raise SystemExit("chalice is not installed: pip install chalice")
    return found


def package(out_dir: Path, stage: str = "prod") -> Path:
    """Write deployment.zip and sam.json into out_dir (replaced if present); return the zip."""
    vendor_core()
    out_dir = out_dir.resolve()
    shutil.rmtree(out_dir, ignore_errors=True)
    # The SAM template refers to the deploy region symbolically, but the CLI insists on one.
    # Chalice imports app.py to find the routes: bytecode written meanwhile would be zipped too.
    env = {"AWS_DEFAULT_REGION": "us-east-1", **os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run(
        [chalice_command(), "package", "--stage", stage, str(out_dir)], cwd=API, env=env, check=True
    )
    return out_dir / "deployment.zip"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", nargs="?", default="build/api", type=Path)
    parser.add_argument("--stage", default="prod")
    parser.add_argument("--vendor-only", action="store_true", help="only refresh api/vendor/core")
    args = parser.parse_args(argv)
    if args.vendor_only:
        print(vendor_core())
    else:
        print(package(args.out_dir, args.stage))
    return 0


if __name__ == "__main__":
    sys.exit(main())
