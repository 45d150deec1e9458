"""Cluster mode relays what the trainer reports beside episodes (issue 22) as the embedded server does: a worker's
`training_diagnostics` events and the `phase` of its progress events reach the clients of both web processes through
the message queue, and both web processes' status says the phase (kept on the run board)."""

from __future__ import annotations

from tests.hrl_api.cluster.harness import Cluster
from tests.live_server import wait_until

CLUSTER_TRAINER = "tests.news_trainers:evaluates"  # tests/news_trainers.py, on the workers' path
EPISODES, HELD_OUT = 4, {"households": 7, "purpose": "held_out"}  # what that trainer reports


def test_diagnostics_phase_and_publication_through_the_relay(idle_cluster: Cluster) -> None:
    cluster = idle_cluster
    on_b = cluster.recorder(cluster.b)
    try:
        run = cluster.start_run("torino_single", 10)  # on web A; its worker emits through Redis
        progress = wait_until(
            lambda: len(found := on_b.named("training_progress")) >= EPISODES and found, 60, "four progress events on B"
        )
        assert [(p["run_id"], p["phase"]) for p in progress] == [(run["run_id"], "training")] * 3 + [
            (run["run_id"], "evaluating")
        ]
        assert progress[-1]["phase_detail"] == HELD_OUT
        for web in (cluster.a, cluster.b):
            status = wait_until(lambda web=web: (s := web.status())["phase"] == "evaluating" and s, 30, "the phase")
            assert status["phase_detail"] == HELD_OUT and status["run_id"] == run["run_id"]
        diagnostics = wait_until(
            lambda: len(found := on_b.named("training_diagnostics")) >= 2 * EPISODES and found, 30, "diagnostics on B"
        )
        assert {(d["run_id"], d["scenario_name"]) for d in diagnostics} == {(run["run_id"], "torino_single")}
        assert [(d["agent"], d["update"]) for d in diagnostics][:2] == [("strategist", 1), ("executor", 1)]
        assert cluster.b.post("/api/training/stop", json={"run_id": run["run_id"]}).status_code == 200
        stopped = wait_until(lambda: on_b.named("training_stopped"), 30, "the final event on B")[0]
        assert stopped["publication"]["run_id"] == run["run_id"]
        assert cluster.a.status()["phase"] is None
    finally:
        on_b.close()
