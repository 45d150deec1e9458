"""Root of the test suite, the package `tests`: test modules import the helpers kept here as `tests.live_server`
and so on. The one fixture through which every test gets its real servers is ``live_servers`` (below); a test is
marked `server` (left out by `make test-fast`) when it uses it, or Chromium, Node.js or redis-server."""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from hrl_trainer import list_scenarios
from tests.live_server import LiveServers
from tests.tunings import TuningStore

SERVER_FIXTURES = {"live_servers", "chromium", "node", "redis_server"}
"""Fixtures that bring real servers, a browser, Node.js clients or a redis-server: their tests are marked `server`."""
LIVE_SERVERS = pytest.StashKey[LiveServers]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark `server` every test that uses a server, a browser, a Node.js client or redis-server (directly or
    through its fixtures), so that `make test-fast` (-m "not server") runs the units."""
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def live_servers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServers]:
    """Every real server a test needs (see `tests.live_server.LiveServers`): ``live_servers.shared(async_mode,
    **env)``, the session's server of that configuration, idle again after each test that asked for it;
    ``with live_servers.start(models_dir=None, async_mode=..., scenarios=False, **env) as server:``, one of the
    test's (or the module fixture's) own."""
    servers = LiveServers(tmp_path_factory.mktemp("servers"))
    request.config.stash[LIVE_SERVERS] = servers
    yield servers
    servers.terminate_all()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    """After each test (its fixtures torn down), the shared servers it asked for are made idle."""
    try:
        return (yield)
    finally:
        if (servers := item.config.stash.get(LIVE_SERVERS, None)) is not None:
            servers.settle()


@pytest.fixture(scope="session")
def tunings(tmp_path_factory: pytest.TempPathFactory) -> TuningStore:
    """``tunings.seed(models_dir, scenario_name, months=None)``: that household's tuned baselines in the folder,
    as a first simulation would leave them, tuned once per session (see tests/tunings.py)."""
    return TuningStore(tmp_path_factory.mktemp("tunings"))


@pytest.fixture(scope="session")
def scenario_name() -> str:
    """A scenario that exists in the default scenarios folder (the spec's example if present)."""
    names = list_scenarios()
    assert names, "no scenarios found"
    return "bologna_coppia" if "bologna_coppia" in names else names[0]
