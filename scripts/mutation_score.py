"""Print the mutation score of `make mutation`, per mutated file, from what mutmut left in mutants/.

.venv/bin/python scripts/mutation_score.py
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

from hrl_trainer.cli.main import format_table


def main() -> None:
    rows, total = [], Counter()
    for meta in sorted(Path("mutants/hrl_trainer").rglob("*.py.meta")):
        statuses = Counter(
            status_by_exit_code[code] for code in json.loads(meta.read_text())["exit_code_by_key"].values()
        )
        total.update(statuses)
        rows.append({"file": meta.relative_to("mutants").as_posix().removesuffix(".meta"), **statuses})
    if not rows:
        raise SystemExit("no mutation results: run `make mutation` first")
    rows.append({"file": "all", **total})
    columns = ["file", "mutants", "killed", "survived", *sorted(set(total) - {"killed", "survived"}), "score"]
    for row in rows:
        counts = {k: v for k, v in row.items() if k != "file"}
        row["mutants"] = sum(counts.values())
        row["score"] = f"{100 * row.get('killed', 0) / row['mutants']:.1f} %"
    print(format_table(rows, columns))


if __name__ == "__main__":
    main()
