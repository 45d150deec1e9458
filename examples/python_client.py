#!/usr/bin/env python3
"""Train a model through the HRL training API and follow it live over Socket.IO.

    python examples/python_client.py --url http://127.0.0.1:8000 --scenario bologna_coppia --episodes 20

With ``--json`` every server event is printed as one JSON line
``{"event": name, "data": payload}`` (the start response as event "start_response").
Exit status: 0 when the run completes, 1 on an API or training error, 2 on a timeout.
It disconnects as soon as the run ends (completed, stopped or failed).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from typing import Any

import requests
import socketio

FINAL_EVENTS = ("training_completed", "training_stopped", "training_error")
SERVER_EVENTS = ("connection_established", "training_status", "training_started", "training_progress", *FINAL_EVENTS)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--scenario", default="bologna_coppia")
    parser.add_argument("--episodes", type=int, default=20)
    parser.add_argument("--save-interval", type=int, default=10)
    parser.add_argument("--eval-episodes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the run to end")
    parser.add_argument("--json", action="store_true", help="print every event as a JSON line")
    return parser.parse_args(argv)


def describe(event: str, data: dict[str, Any]) -> str:
    """One human-readable line per event."""
    if event == "training_progress":
        return (
            f"Episode {data['episode']}/{data['total_episodes']}  reward {data['avg_reward']:.2f}  "
            f"cash {data['avg_cash']:.0f}  invested {data['avg_invested']:.0f}  "
            f"stability {data['stability']:.3f}"
        )
    if event == "training_started":
        return f"Training started: {data['scenario_name']}, {data['num_episodes']} episodes at {data['start_time']}"
    if event == "training_completed":
        return (
            f"Training completed: {data['scenario_name']} after {data['episodes_completed']} episodes, "
            f"final metrics {data['final_metrics']}"
        )
    if event == "training_stopped":
        return f"Training stopped: {data['scenario_name']} after {data['episodes_completed']} episodes"
    if event == "training_error":
        return f"Training failed: {data['details']}"
    return f"{event}: {data}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    finished = threading.Event()
    outcome: list[str] = []
    output_lock = threading.Lock()  # events arrive on the client's thread, the start response on ours

    def show(event: str, data: Any) -> None:
        line = json.dumps({"event": event, "data": data}) if args.json else describe(event, data)
        with output_lock:
            print(line, flush=True)

    sio = socketio.Client(reconnection=False)

    def handler(event: str):
        def handle(data: Any = None) -> None:
            show(event, data)
            if event in FINAL_EVENTS:
                outcome.append(event)
                finished.set()

        return handle

    for event in SERVER_EVENTS:
        sio.on(event, handler(event))

    sio.connect(args.url, socketio_path="/socket.io", wait_timeout=10)
    # Every connected client receives the training events; subscribing only asks for the current
    # status (answered at once, also as a "training_status" event), e.g. to catch up on a running run.
    sio.call("subscribe_training", {}, timeout=10)

    body = {
        "scenario_name": args.scenario,
        "num_episodes": args.episodes,
        "save_interval": args.save_interval,
        "eval_episodes": args.eval_episodes,
    }
    if args.seed is not None:
        body["seed"] = args.seed
    response = requests.post(f"{args.url}/api/training/start", json=body, timeout=30)
    show("start_response", {"status_code": response.status_code, **response.json()})
    if response.status_code != 202:
        sio.disconnect()
        return 1

    if not finished.wait(args.timeout):
        print(f"Timed out after {args.timeout:g} s", file=sys.stderr)
        sio.disconnect()
        return 2
    sio.disconnect()
    return 0 if outcome == ["training_completed"] else 1


if __name__ == "__main__":
    sys.exit(main())
