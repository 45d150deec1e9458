"""Fixtures of the cluster tests (see `cluster.harness`)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import requests

from hrl_api.cluster.local import Part, RedisServer, cluster_env, redis_server_path, worker_command
from hrl_api.cluster.run_board import RunBoard
from tests.hrl_api.cluster.harness import HEARTBEAT_TIMEOUT, TRAINER, WORKERS, Cluster
from tests.live_server import TRAINER_PATHS, ServerFactory, wait_until


def require_redis_server() -> None:
    """Skip (outside CI) or fail (on CI) when Debian's redis-server is missing."""
    if redis_server_path() is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is missing on CI: `make test-deps` installs Debian's redis-server")
        pytest.skip("redis-server is not installed (Debian: apt-get install redis-server, or `make test-deps`)")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    require_redis_server()
    root = tmp_path_factory.mktemp("cluster")
    redis_server = RedisServer(root / "redis")
    redis_server.start()
    models = root / "models"
    paths = os.pathsep.join(map(str, TRAINER_PATHS))
    env = cluster_env(redis_server.url, models, {"HRL_TRAINER_ENTRY": TRAINER, "PYTHONPATH": paths})
    workers = {f"w{i}": Part(worker_command(f"w{i}"), root / f"w{i}.log", env) for i in range(1, WORKERS + 1)}
    factory = ServerFactory(root)
    web = dict(HRL_BROKER_URL=redis_server.url, HRL_HEARTBEAT_TIMEOUT=str(HEARTBEAT_TIMEOUT))
    try:
        for worker in workers.values():
            worker.start()
        a = factory.start(models, async_mode="eventlet", **web)
        b = factory.start(models, async_mode="threading", **web)
        found = Cluster(redis_server, workers, a, b, RunBoard(redis_server.url), root)
        wait_until(lambda: a.get_json("/api/health")["workers"] == WORKERS, 90, "both workers registered")
        yield found
    finally:
        factory.terminate_all()
        for worker in workers.values():
            worker.stop()
        redis_server.stop()


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
