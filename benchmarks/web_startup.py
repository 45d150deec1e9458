"""Web process start-up: time from launch to the first answered GET /api/health, and idle memory.

Run by hand; prints a table. For each async mode, launches ``python app.py --quiet`` on a free
127.0.0.1 port ``--repeats`` times, polls /api/health every 5 ms from the moment of launch, then
lets the idle server settle and reads its resident memory (RSS).

    .venv/bin/python benchmarks/web_startup.py [--repeats 5] [--repo PATH]

``--repo`` measures another checkout with this interpreter (e.g. an export of an older commit;
add ``--server-args=`` when its app.py has no ``--quiet``).
Targets (this 2-core machine): launch to first /api/health < 1.5 s, idle RSS < 100 MB.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import psutil
from servers import REPO, running_server, wait_until_up

from hrl_trainer import format_table

TARGET_SECONDS, TARGET_RSS_MB = 1.5, 100.0
SETTLE_SECONDS = 2.0


def measure(mode: str, repo: Path, workdir: Path, server_args: list[str]) -> tuple[float, float, bool]:
    """(seconds from launch to the first /api/health, idle RSS in MB, whether torch is mapped)."""
    launched = time.monotonic()
    with running_server(workdir / "models", mode, args=server_args, repo=repo) as (process, url):
        answered = wait_until_up(url, process, interval=0.005)
        time.sleep(SETTLE_SECONDS)
        server = psutil.Process(process.pid)
        rss_mb = server.memory_info().rss / 2**20
        torch_mapped = any("libtorch" in region.path for region in server.memory_maps())
    return answered - launched, rss_mb, torch_mapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--modes", nargs="+", default=["eventlet", "threading"])
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout to launch app.py from")
    parser.add_argument(
        "--server-args", default="--quiet", help='options for app.py ("" for a checkout without --quiet)'
    )
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        samples = {mode: [] for mode in args.modes}
        for _ in range(args.repeats):  # interleaved, so outside load hits every mode alike
            for mode in args.modes:
                samples[mode].append(measure(mode, args.repo, Path(tmp), args.server_args.split()))
    for mode, runs in samples.items():
        seconds = [s for s, _, _ in runs]
        rss = [r for _, r, _ in runs]
        passed = statistics.median(seconds) < TARGET_SECONDS and max(rss) < TARGET_RSS_MB
        rows.append(
            {
                "mode": mode,
                "runs": str(len(runs)),
                "launch to health s (median)": f"{statistics.median(seconds):.2f}",
                "min": f"{min(seconds):.2f}",
                "max": f"{max(seconds):.2f}",
                "idle RSS MB (max)": f"{max(rss):.1f}",
                "torch loaded": "yes" if any(t for _, _, t in runs) else "no",
                "targets": "PASS" if passed else "FAIL",
            }
        )
    print(
        f"{args.repo}: targets launch to first /api/health < {TARGET_SECONDS:g} s (median), "
        f"idle RSS < {TARGET_RSS_MB:g} MB"
    )
    print(format_table(rows, list(rows[0])))
    print(
        f"1-minute load average before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f} "
        "(other work on the two cores slows start-up)"
    )


if __name__ == "__main__":
    main()
