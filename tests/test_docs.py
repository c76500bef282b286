"""The README is part of the interface: every command, option and environment variable the code
knows must be documented there (and the Quickstart stays two commands)."""

from __future__ import annotations

import argparse
import ast
import re
from pathlib import Path

import dctech
from core.runtime import ENVIRONMENT

REPO = Path(__file__).parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
CODE_DIRS = ("core", "collector", "generator", "api", "infra")
RUNTIME = REPO / "core" / "runtime.py"
OUR_NAME = re.compile(r"DCTECH_[A-Z0-9_]+")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = dctech._parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_subcommand_and_option_is_in_the_readme():
    missing = []
    for name, sub in subcommands().items():
        if f"dctech {name}" not in README:
            missing.append(f"dctech {name}")
        for action in sub._actions:
            missing += [o for o in action.option_strings if o.startswith("--") and o not in README]
    assert sorted(set(missing) - {"--help"}) == []


def code_files() -> list[Path]:
    files = [REPO / "dctech.py"]
    for d in CODE_DIRS:
        files += [p for p in (REPO / d).rglob("*.py") if not {"vendor", "cdk.out"} & set(p.parts)]
    return files


def environment_names(source: str) -> set[str]:
    """The variables a module reads or sets by name: ``os.environ[...]``, ``environ.get(...)``
    (or ``pop``, ``setdefault``), ``os.getenv(...)``, ``... in os.environ``."""

    def is_environ(node: ast.AST) -> bool:
        return "environ" in ast.unparse(node)

    keys: list[ast.AST] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Subscript) and is_environ(node.value):
            keys.append(node.slice)
        elif isinstance(node, ast.Compare) and any(map(is_environ, node.comparators)):
            keys.append(node.left)
        elif isinstance(node, ast.Call) and node.args:
            function = ast.unparse(node.func)
            if function.endswith("getenv") or (
                is_environ(node.func) and function.endswith((".get", ".pop", ".setdefault"))
            ):
                keys.append(node.args[0])
    return {k.value for k in keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}


def our_names(source: str) -> set[str]:
    """The DCTECH_ variables a module reads or spells out whole (as ``"DCTECH_STORE"``)."""
    spelled = {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and OUR_NAME.fullmatch(node.value)
    }
    return spelled | {name for name in environment_names(source) if name.startswith("DCTECH_")}


def test_the_readme_environment_table_is_the_runtime_list():
    """Every variable of core/runtime.py's list, with who uses it, its meaning and default; and
    no other. The table is the list, rendered (paste these rows after a change)."""
    section = README.split("## Environment variables\n", 1)[1].split("\n## ", 1)[0]
    table = [line for line in section.splitlines() if line.startswith("|")]
    rendered = ["| variable | used by | meaning | default |", "| --- | --- | --- | --- |"]
    rendered += [f"| `{v.name}` | {v.used_by} | {v.meaning} | {v.default} |" for v in ENVIRONMENT]
    assert table == rendered
    assert len({v.name for v in ENVIRONMENT}) == len(ENVIRONMENT)  # each named once


def test_only_the_runtime_reads_our_environment_variables():
    """Settings reach the code through core/runtime.py only: no other module looks up, sets or
    even spells a DCTECH_ variable (infra/stacks sets them for the Lambdas: checked below)."""
    spelled = {
        str(path.relative_to(REPO)): sorted(our_names(path.read_text(encoding="utf-8")))
        for path in code_files()
        if path != RUNTIME and "stacks" not in path.parts
    }
    assert {path: names for path, names in spelled.items() if names} == {}
    ours = {v.name for v in ENVIRONMENT if not v.external}
    assert ours == {v.name for v in ENVIRONMENT if v.name.startswith("DCTECH_")}


def test_the_checker_sees_environment_reads():
    """Guard against a checker that passes because it sees nothing."""
    probe = (
        'import os\nfrom os import environ, getenv\nNAME = "DCTECH_SPELLED"\n'
        'os.environ.get("DCTECH_A")\nos.environ["DCTECH_B"]\nos.getenv("DCTECH_C", "x")\n'
        'environ.pop("DCTECH_D", None)\n"DCTECH_E" in os.environ\ngetenv("DCTECH_F")\n'
        'os.environ["DCTECH_G"] = "1"\nos.environ.update({"DCTECH_H": "1"})\n'
        'os.environ.setdefault("AWS_X", "1")\nprint("see $DCTECH_STORE")\n'
    )
    assert environment_names(probe) == {f"DCTECH_{c}" for c in "ABCDEFG"} | {"AWS_X"}
    spelled = {"DCTECH_H", "DCTECH_SPELLED"}  # a name spelled out is a lookup waiting to happen
    assert our_names(probe) == {f"DCTECH_{c}" for c in "ABCDEFG"} | spelled
    assert len(code_files()) > 20


def test_every_other_variable_the_code_reads_is_in_the_list():
    """What boto3 and the CDK read is listed too, as documented-only."""
    read = set().union(*(environment_names(p.read_text(encoding="utf-8")) for p in code_files()))
    external = {v.name for v in ENVIRONMENT if v.external}
    assert {n for n in read if not n.startswith("DCTECH_")} - external == set()
    assert {"CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION"} <= read  # infra/app.py's


def test_the_variables_cdk_sets_are_in_the_list():
    """The CDK stack cannot import the runtime: the names it sets must be the list's."""
    stacks = sorted((REPO / "infra" / "stacks").glob("*.py"))
    set_by_cdk = set().union(*(our_names(p.read_text(encoding="utf-8")) for p in stacks))
    assert len(set_by_cdk) >= 8
    assert set_by_cdk <= {v.name for v in ENVIRONMENT}


def test_quickstart_is_two_commands():
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^\s*(make \S+|\S+ .*)$", section.split("```")[1], re.M)
    assert commands == ["make preview", "make test"]
