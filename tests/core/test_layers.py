"""The apps depend one way (interfaces → use cases → domain → registers → core), checked by import-linter."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = [
    "console | portal | api | open311",
    "demo",
    "integrations",
    "reviews | briefings",
    "hotspots | weakorgs",
    "deliberation",
    "ledgers | mediation",
    "intake | assessment | engagement",
    "tickets",
    "party | volunteering",
    "points",
    "sla | knowledge | catalogue",
    "routing | notify",
    "registry | workcal",
    "core",
]


def test_the_contract_names_every_app_in_its_layer_and_excuses_no_import():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    (contract,) = config["contracts"]
    assert contract["type"] == "layers" and contract["layers"] == LAYERS
    assert contract["exhaustive"] is True
    assert all("ignore_imports" not in c for c in config["contracts"])


def test_no_app_imports_a_layer_above_it_or_a_sibling():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
