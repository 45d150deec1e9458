"""Every benchmark and example script imports (they are run by hand, so nothing else notices a broken import), and the
benchmarks and examples use only the public API (`from hrl_trainer import ...`)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# (script, module deeper than the top package) it may import, because it measures or builds that internal on
# purpose; anything else deeper fails the test.
INTERNALS_MEASURED = {
    # Fills a models folder with many published models written by the real run writer (untrained agents).
    ("benchmarks/long_run.py", "hrl_trainer.agents.networks"),
    ("benchmarks/long_run.py", "hrl_trainer.store.checkpoints"),
    ("benchmarks/long_run.py", "hrl_trainer.store.run_writer"),
    # Writes history files byte for byte as the store does, to time the listing that parses them.
    ("benchmarks/models_listing.py", "hrl_trainer.store.checkpoints"),
    # Times the in-process functions behind POST /api/simulations and /api/advice (the published-agent lookup,
    # the baselines' tunings cache cleared as on a restart) on an untrained model published by the real writer.
    ("benchmarks/simulation_latency.py", "hrl_trainer.agents.networks"),
    ("benchmarks/simulation_latency.py", "hrl_trainer.baselines.tuning"),
    ("benchmarks/simulation_latency.py", "hrl_trainer.env.simulation"),
    ("benchmarks/simulation_latency.py", "hrl_trainer.store.model_lookup"),
    ("benchmarks/simulation_latency.py", "hrl_trainer.store.run_writer"),
    ("benchmarks/simulation_latency.py", "hrl_trainer.use.advice"),
    ("benchmarks/simulation_latency.py", "hrl_trainer.use.simulations"),
}


def deep_imports(path: Path) -> set[str]:
    """The modules under `hrl_trainer.` a script imports (at any depth of its code)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else []
        )
        found.update(name for name in names if name.startswith("hrl_trainer."))
    return found


def test_benchmarks_and_examples_use_only_the_public_api():
    scripts = sorted([*(REPO / "benchmarks").glob("*.py"), *(REPO / "examples").glob("*.py")])
    assert {"learning.py", "sb3_households.py"} <= {p.name for p in scripts}
    used = {(p.relative_to(REPO).as_posix(), module) for p in scripts for module in deep_imports(p)}
    assert used - INTERNALS_MEASURED == set(), "import these from `hrl_trainer` (docs/architecture.md)"
    assert INTERNALS_MEASURED - used == set(), "a justified exception no longer needed: remove it"


@pytest.mark.parametrize(
    ("folder", "some"),
    [("benchmarks", {"learning", "train_speed", "cluster"}), ("examples", {"sb3_households", "python_client"})],
)
def test_every_script_imports(folder: str, some: set[str]):
    scripts = sorted(p.stem for p in (REPO / folder).glob("*.py"))
    assert some <= set(scripts)
    check = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n    print(name)"
    done = subprocess.run(
        [sys.executable, "-c", check, *scripts], cwd=REPO / folder, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == scripts
