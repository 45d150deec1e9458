"""Load (marker ``slow``): many Socket.IO clients, a client that never reads, many start/stop cycles."""
from __future__ import annotations

import json
import socket

import psutil
import pytest
import websocket

from api_contract import assert_progress_sequence
from api_server import EventRecorder, Server
from reliability.processes import training_child
from reliability.runs import complete_run, start_run

pytestmark = pytest.mark.slow

CLIENTS = 50
EPISODES = 200
CYCLES = 100
FD_GROWTH_LIMIT = 5
RSS_GROWTH_LIMIT_MB = 50


def silent_subscriber(server: Server) -> websocket.WebSocket:
    """A raw Socket.IO client with a tiny receive buffer that subscribes and then never reads."""
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket",
        sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)], timeout=10)
    assert ws.recv().startswith("0")  # engine.io open
    ws.send("40")
    while not ws.recv().startswith("40"):  # namespace connected (connection_established may come first)
        pass
    ws.send(json.dumps(["subscribe_training", {}]).join(["42", ""]))
    return ws


def test_fifty_clients_each_get_every_progress_event_in_order_beside_one_that_never_reads(start_server):
    server = start_server()
    stuck = silent_subscriber(server)
    clients = [EventRecorder(server.url) for _ in range(CLIENTS)]
    complete_run(server, clients[0], num_episodes=EPISODES, save_interval=EPISODES)
    for client in clients:
        client.wait_for("training_completed", timeout=60)
        assert_progress_sequence(client.named("training_progress"), EPISODES)
        client.close()
    assert server.get("/api/health").status_code == 200
    stuck.close()


def server_usage(server: Server) -> tuple[int, float]:
    process = psutil.Process(server.process.pid)
    return process.num_fds(), process.memory_info().rss / 2**20


def test_a_hundred_start_stop_cycles_leave_no_child_and_no_leak(start_server):
    server = start_server(HRL_TRAINER_ENTRY="api_fake_trainers:steady")
    recorder = EventRecorder(server.url)
    complete_run(server, recorder, num_episodes=2)  # warm up
    baseline = server_usage(server)
    for cycle in range(CYCLES):
        start_run(server, num_episodes=10_000)
        child = training_child(server)
        if cycle % 2:  # every other stop waits for the child to be training
            recorder.wait_for("training_progress", count=len(recorder.named("training_progress")) + 1)
        assert server.post("/api/training/stop").status_code == 200
        assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE, f"cycle {cycle}: child left running"
    fds, rss = server_usage(server)
    assert fds - baseline[0] <= FD_GROWTH_LIMIT, (baseline, (fds, rss))
    assert rss - baseline[1] <= RSS_GROWTH_LIMIT_MB, (baseline, (fds, rss))
    assert [p for p in psutil.Process(server.process.pid).children() if "spawn_main" in " ".join(p.cmdline())] == []
    recorder.close()
