"""Figures the load tests measure, printed as one small table per test in a "measured figures"
section at the end of the pytest output (with or without ``-s``), so `make stress` shows them.

Figures are recorded, never asserted on here: the tests keep their own bounds."""

from __future__ import annotations

import pytest

MEASURED = pytest.StashKey[dict[str, list[tuple[str, str]]]]()


class Figures:
    """One test's table: ``figures.add("open files before", 14)``; floats get one decimal."""

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        self._rows = rows

    def add(self, measure: str, value: object) -> None:
        self._rows.append((measure, f"{value:.1f}" if isinstance(value, float) else str(value)))


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> Figures:
    """The current test's table of measured figures."""
    tables = request.config.stash.setdefault(MEASURED, {})
    return Figures(tables.setdefault(request.node.nodeid, []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    tables = {test: rows for test, rows in config.stash.get(MEASURED, {}).items() if rows}
    if not tables:
        return
    terminalreporter.section("measured figures")
    for test, rows in tables.items():
        terminalreporter.write_line(test)
        width = max(len(measure) for measure, _ in rows)
        for measure, value in rows:
            terminalreporter.write_line(f"  {measure:<{width}}  {value:>10}")
