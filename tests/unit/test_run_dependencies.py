"""`make run` installs only what running needs; `make test` adds the test tools ([test] extra).
So nothing the platform imports may come from the test tools."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib

from trading.settings import PROJECT_ROOT

# Top-level modules of the [test] extra's distributions (and the test data generators a test
# might pull in), which a running platform must never import.
TEST_ONLY_MODULES = ("pytest", "_pytest", "xdist", "pytest_timeout", "ruff", "mypy", "importlinter",
                     "locust", "playwright", "libcoveocds", "schemathesis", "hypothesis", "faker")

BLOCK_AND_IMPORT = """
import importlib, pkgutil, sys

BLOCKED = set(sys.argv[1].split(","))

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"test-only module imported: {name}")
        return None

for name in list(sys.modules):
    if name.partition(".")[0] in BLOCKED:
        raise SystemExit(f"already imported at start-up: {name}")
sys.meta_path.insert(0, Blocker())

failures = []
for package in ("trading", "bidding", "expert_pool", "disclosure", "supervision"):
    root = importlib.import_module(package)
    for module in pkgutil.walk_packages(root.__path__, package + "."):
        try:
            importlib.import_module(module.name)
        except ImportError as error:
            failures.append(f"{module.name}: {error}")
from trading.app import create_app
create_app()
from trading.cli import main
main(["--help"], standalone_mode=False)
print("\\n".join(failures) or "ok")
"""


def test_the_run_dependencies_name_no_test_tool():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    runtime = " ".join(project["dependencies"]).lower()
    for tool in ("pytest", "ruff", "mypy", "locust", "playwright", "libcoveocds", "schemathesis"):
        assert tool not in runtime
        assert any(dep.startswith(tool) for dep in project["optional-dependencies"]["test"])


def test_every_platform_module_imports_without_the_test_tools(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", BLOCK_AND_IMPORT, ",".join(TEST_ONLY_MODULES)],
        cwd=PROJECT_ROOT, env={**os.environ, "GGZY_VAR_DIR": str(tmp_path)},
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "ok", result.stdout[-3000:]


def make_dry_run(target: str, tmp_path) -> str:
    """The commands `make TARGET` would run on a machine without a virtualenv yet."""
    result = subprocess.run(["make", "-n", target, f"VENV={tmp_path / 'venv'}"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    return result.stdout


def test_make_run_installs_only_the_run_dependencies(tmp_path):
    commands = make_dry_run("run", tmp_path)
    assert "pip install --quiet -c constraints.txt -e ." in commands
    assert "[test]" not in commands
    assert "ggzy run" in commands


def test_make_test_installs_the_test_tools(tmp_path):
    commands = make_dry_run("test", tmp_path)
    assert "-e '.[test]'" in commands
    assert "pytest" in commands and "mypy" in commands
