"""Every benchmark script imports (they are run by hand, so nothing else notices a broken import)."""
import subprocess
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def test_every_benchmark_imports():
    scripts = sorted(p.stem for p in BENCHMARKS.glob("*.py"))
    assert {"learning", "train_speed", "cluster"} <= set(scripts)
    check = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n    print(name)"
    done = subprocess.run([sys.executable, "-c", check, *scripts], cwd=BENCHMARKS, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == scripts
