"""Load (marker ``slow``): many Socket.IO clients, a client that never reads, many start/stop cycles, many
simulations."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path

import psutil
import pytest
import websocket

from hrl_trainer.agents.networks import GOAL_DIM, Executor, Strategist
from hrl_trainer.env.simulation import OBS_DIM
from hrl_trainer.store.run_writer import record_agents
from tests.api_contract import assert_progress_sequence
from tests.hrl_api.runs import complete_run, start_run
from tests.live_server import EventRecorder, LiveServer, training_child, training_children

pytestmark = pytest.mark.slow

CLIENTS = 50
EPISODES = 200
CYCLES = 100
FD_GROWTH_LIMIT = 5
RSS_GROWTH_LIMIT_MB = 50
SIMULATIONS = 20


def silent_subscriber(server: LiveServer) -> websocket.WebSocket:
    """A raw Socket.IO client with a tiny receive buffer that subscribes and then never reads."""
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
        sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)],
        timeout=10,
    )
    assert ws.recv().startswith("0")  # engine.io open
    ws.send("40")
    while not ws.recv().startswith("40"):  # namespace connected (connection_established may come first)
        pass
    ws.send(json.dumps(["subscribe_training", {}]).join(["42", ""]))
    return ws


def queued_bytes(local_port: int, remote_port: int) -> tuple[int, int]:
    """The kernel's (send queue, receive queue) in bytes of this machine's TCP connection from
    ``local_port`` to ``remote_port``, from /proc/net/tcp."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if tuple(int(address.split(":")[1], 16) for address in fields[1:3]) == (local_port, remote_port):
            send_queue, receive_queue = (int(size, 16) for size in fields[4].split(":"))
            return send_queue, receive_queue
    pytest.fail(f"no TCP connection from port {local_port} to {remote_port}")


def server_usage(server: LiveServer) -> tuple[int, float]:
    process = psutil.Process(server.process.pid)
    return process.num_fds(), process.memory_info().rss / 2**20


def test_fifty_clients_each_get_every_progress_event_in_order_beside_one_that_never_reads(live_servers, figures):
    with live_servers.start() as server:
        idle_fds, idle_rss = server_usage(server)
        stuck = silent_subscriber(server)
        clients = [EventRecorder(server.url) for _ in range(CLIENTS)]
        connected_fds, connected_rss = server_usage(server)
        started = time.monotonic()
        complete_run(server, clients[0], num_episodes=EPISODES, save_interval=EPISODES)
        first_completed = time.monotonic()
        for client in clients:
            client.wait_for("training_completed", timeout=60)
        all_completed = time.monotonic()
        stuck_port = stuck.sock.getsockname()[1]
        (server_send_queue, _), (_, stuck_receive_queue) = (
            queued_bytes(server.port, stuck_port),
            queued_bytes(stuck_port, server.port),
        )
        after_fds, after_rss = server_usage(server)
        progress_counts = [len(client.named("training_progress")) for client in clients]
        event_counts = [len(client.events) for client in clients]
        for measure, value in [
            ("clients (+1 that never reads)", CLIENTS),
            ("episodes", EPISODES),
            ("training_progress per client, min", min(progress_counts)),
            ("training_progress per client, max", max(progress_counts)),
            ("events per client, min", min(event_counts)),
            ("events per client, max", max(event_counts)),
            ("start to first client's completion (s)", first_completed - started),
            ("then until all 50 completed (s)", all_completed - first_completed),
            ("bytes queued to the silent client: server send queue", server_send_queue),
            ("bytes queued to the silent client: its receive queue", stuck_receive_queue),
            ("server open files idle / with 51 clients / after", f"{idle_fds} / {connected_fds} / {after_fds}"),
            ("server RSS MB idle / with 51 clients / after", f"{idle_rss:.1f} / {connected_rss:.1f} / {after_rss:.1f}"),
        ]:
            figures.add(measure, value)
        for client in clients:
            assert_progress_sequence(client.named("training_progress"), EPISODES)
            client.close()
        assert server.get("/api/health").status_code == 200
        stuck.close()


def test_a_hundred_start_stop_cycles_leave_no_child_and_no_leak(live_servers, figures):
    with live_servers.start(HRL_TRAINER_ENTRY="tests.fake_trainers:steady") as server:
        recorder = EventRecorder(server.url)
        complete_run(server, recorder, num_episodes=2)  # warm up
        baseline = server_usage(server)
        started = time.monotonic()
        for cycle in range(CYCLES):
            start_run(server, num_episodes=10_000)
            child = training_child(server)
            if cycle % 2:  # every other stop waits for the child to be training
                recorder.wait_for("training_progress", count=len(recorder.named("training_progress")) + 1)
            assert server.post("/api/training/stop").status_code == 200
            assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE, (
                f"cycle {cycle}: child left running"
            )
        duration = time.monotonic() - started
        fds, rss = server_usage(server)
        orphans = training_children(server)
        for measure, value in [
            ("cycles", CYCLES),
            ("duration (s)", duration),
            ("per cycle (s)", duration / CYCLES),
            ("server open files before / after", f"{baseline[0]} / {fds}"),
            ("growth (bound +5)", f"{fds - baseline[0]:+d}"),
            ("server RSS MB before / after", f"{baseline[1]:.1f} / {rss:.1f}"),
            ("growth MB (bound +50)", f"{rss - baseline[1]:+.1f}"),
            ("orphan training children", len(orphans)),
        ]:
            figures.add(measure, value)
        assert fds - baseline[0] <= FD_GROWTH_LIMIT, (baseline, (fds, rss))
        assert rss - baseline[1] <= RSS_GROWTH_LIMIT_MB, (baseline, (fds, rss))
        assert orphans == []
        recorder.close()


def test_many_simulations_leave_the_web_process_without_torch_and_its_memory_where_it_was(
    live_servers, tmp_path, tunings, figures
):
    """Simulations run in at most SIMULATIONS_AT_ONCE worker processes: the web process never loads torch
    and its RSS stays within the bound after SIMULATIONS simulations of 1000 households."""
    models = tmp_path / "models"
    record_agents(
        "torino_single", Strategist(OBS_DIM), Executor(OBS_DIM + GOAL_DIM), {"scenario_name": "torino_single"}, models
    )
    tunings.seed(models, "torino_single")
    with live_servers.start(models, HRL_SIMULATIONS_AT_ONCE="2") as server:
        web = psutil.Process(server.process.pid)
        _, idle_rss = server_usage(server)
        for _ in range(SIMULATIONS):
            answer = server.post("/api/simulations", json={"scenario_name": "torino_single", "households": 1000})
            assert answer.status_code == 201, answer.text
        _, rss = server_usage(server)
        workers = [child for child in web.children() if "spawn_main" in " ".join(child.cmdline())]
        torch_in_web = any("libtorch" in region.path for region in web.memory_maps())
        for measure, value in [
            ("simulations of 1000 households", SIMULATIONS),
            ("web RSS MB idle / after", f"{idle_rss:.1f} / {rss:.1f}"),
            ("growth MB (bound +50)", f"{rss - idle_rss:+.1f}"),
            ("worker processes (bound 2)", len(workers)),
            ("torch in the web process", torch_in_web),
        ]:
            figures.add(measure, value)
        assert not torch_in_web
        assert rss - idle_rss <= RSS_GROWTH_LIMIT_MB, (idle_rss, rss)
        assert 1 <= len(workers) <= 2
