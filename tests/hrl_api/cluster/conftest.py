"""Fixtures of the cluster tests (see `cluster.harness`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import requests

from hrl_api.cluster.local import Part, RedisServer, cluster_env, redis_server_path, worker_command
from hrl_api.cluster.run_board import RunBoard
from tests.hrl_api.cluster.harness import HEARTBEAT_TIMEOUT, TRAINER, WORKERS, Cluster
from tests.live_server import TRAINER_PATHS, LiveServers, wait_until


@pytest.fixture(scope="session")
def redis_server() -> str:
    """Debian's redis-server; skip (outside CI) or fail (on CI) when it is missing."""
    if (path := redis_server_path()) is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing on CI: `make test-deps` installs Debian's redis-server")
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server, or `make test-deps`)")
    return str(path)


@pytest.fixture(scope="module")
def cluster(
    request: pytest.FixtureRequest,
    redis_server: str,
    live_servers: LiveServers,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:
    """The cluster of a test module; its workers train with the module's `CLUSTER_TRAINER` entry, if it sets one."""
    root = tmp_path_factory.mktemp("cluster")
    redis = RedisServer(root / "redis")
    redis.start()
    models = root / "models"
    paths = os.pathsep.join(map(str, TRAINER_PATHS))
    trainer = getattr(request.module, "CLUSTER_TRAINER", TRAINER)
    env = cluster_env(redis.url, models, {"HRL_TRAINER_ENTRY": trainer, "PYTHONPATH": paths})
    workers = {f"w{i}": Part(worker_command(f"w{i}"), root / f"w{i}.log", env) for i in range(1, WORKERS + 1)}
    web = dict(HRL_BROKER_URL=redis.url, HRL_HEARTBEAT_TIMEOUT=str(HEARTBEAT_TIMEOUT))
    try:
        with ExitStack() as servers:
            for worker in workers.values():
                worker.start()
            a = servers.enter_context(live_servers.start(models, async_mode="eventlet", **web))
            b = servers.enter_context(live_servers.start(models, async_mode="threading", **web))
            found = Cluster(redis, workers, a, b, RunBoard(redis.url), root)
            wait_until(lambda: a.get_json("/api/health")["workers"] == WORKERS, 90, "both workers registered")
            yield found
    finally:
        for worker in workers.values():
            worker.stop()
        redis.stop()


@pytest.fixture
def idle_cluster(cluster: Cluster) -> Iterator[Cluster]:
    """The module's cluster with no run active, both workers and Redis up, before and after the test."""
    if not cluster.redis.running:
        cluster.redis.start()
    for name in cluster.workers:
        if not cluster.workers[name].running:
            cluster.start_worker(name)
    cluster.stop_everything()
    yield cluster
    try:
        cluster.stop_everything()
    except requests.RequestException:
        pass
