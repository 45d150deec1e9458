"""Fixtures for the load tests: the figures they measure (printed at the end of the run)."""

from tests.hrl_api.core.figures import figures, pytest_terminal_summary  # noqa: F401  (fixture and hook)
