"""Issue 15: every pull request is checked (`dctech check`, lint, the fast tests) before review,
and only a push to main with a deploy role configured deploys."""

from __future__ import annotations

from pathlib import Path

import yaml

REPO = Path(__file__).parent.parent
WORKFLOW = REPO / ".github" / "workflows" / "checks.yml"


def load() -> dict:
    data = yaml.safe_load(WORKFLOW.read_text())
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def commands(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_pull_requests_run_dctech_check_lint_and_the_fast_tests():
    workflow = load()
    assert "pull_request" in workflow["on"]
    run = commands(workflow["jobs"]["check"])
    assert "dctech check" in run and "ruff check ." in run and "mypy" in run
    markers = "not browser and not dynamodb_local and not infra and not slow"
    assert markers in run
    declared = (REPO / "pyproject.toml").read_text()
    assert all(f'"{m}:' in declared for m in ("browser", "dynamodb_local", "infra", "slow"))


def test_only_a_push_to_main_with_a_deploy_role_deploys():
    workflow = load()
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert workflow["permissions"] == {"contents": "read"}, "pull requests get a read-only token"
    deploy = workflow["jobs"]["deploy"]
    assert "github.event_name == 'push'" in deploy["if"] and "DEPLOY_ROLE_ARN" in deploy["if"]
    assert deploy["needs"] == "check"
    assert "cdk deploy" in commands(deploy)
