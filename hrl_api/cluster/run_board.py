"""The cluster's shared record of its training runs, kept in Redis (the broker's own server).

Web processes and Celery workers all read and write it; every change of a run's state is one Lua
script, so that exactly one process wins a race (say, a stop and the end of the run, or two web
processes both seeing a dead worker) and only the winner sends the run's final event.

Keys (``PREFIX`` = ``hrl:``):

* ``hrl:run:{id}`` hash: run_id, scenario_name, state (queued, running, completed, stopped, failed),
  num_episodes, total_episodes, start_time, settings (JSON), position, worker, heartbeat (a counter the
  worker raises every second), stop ("1" once asked), latest_progress (JSON), episodes_completed,
  result (JSON, the trainer's), error, phase and phase_detail (JSON; what the trainer does: training,
  evaluating, saving). Kept ``FINISHED_TTL`` seconds after the run ends.
* ``hrl:run:{id}:recent`` / ``:sparse`` lists: the progress records a late client catches up with
  (as ``ProgressLog``: every record of the latest episodes and evenly spread older ones); kept
  ``PROGRESS_TTL`` seconds after the run ends.
* ``hrl:active`` sorted set: queued and running runs, in the order they were started.
* ``hrl:latest``: the id of the most recently started run.
* ``hrl:lock:{scenario}``: the run that holds the scenario (one writer per scenario, cluster-wide).
* ``hrl:worker:{name}``: a warm worker process's training slot (name: host/pid), expiring unless renewed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import redis

from hrl_api.training.progress_log import RECENT_RECORDS

PREFIX = "hrl:"
ACTIVE = PREFIX + "active"
LATEST = PREFIX + "latest"
SEQUENCE = PREFIX + "sequence"
FINISHED_TTL = 7 * 24 * 3600
"""Seconds a finished run stays on the board (its files stay in the models folder for good)."""
PROGRESS_TTL = 3600
"""Seconds a finished run's progress records stay for late clients (its history file keeps them all)."""
WORKER_TTL = 10
"""Seconds a worker's registration lasts unless renewed (workers renew it every few seconds)."""
TIMEOUTS = {"socket_timeout": 2.0, "socket_connect_timeout": 1.0}
"""Seconds: a Redis that went away is noticed at once instead of hanging a request."""
ACTIVE_STATES = ("queued", "running")
BrokerError = redis.RedisError


def run_key(run_id: str) -> str:
    return f"{PREFIX}run:{run_id}"


def lock_key(scenario_name: str) -> str:
    return f"{PREFIX}lock:{scenario_name}"


def worker_key(name: str) -> str:
    return f"{PREFIX}worker:{name}"


# KEYS: lock, run, active, latest, sequence. ARGV: run_id, then field/value pairs of the run.
# -> {0, holder} when the scenario is taken, else {1, runs ahead of this one}.
_ENQUEUE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return {0, redis.call('GET', KEYS[1]) or ''} end
local fields = {}
for i = 2, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[2], unpack(fields))
local position = redis.call('ZCARD', KEYS[3])
redis.call('ZADD', KEYS[3], redis.call('INCR', KEYS[5]), ARGV[1])
redis.call('HSET', KEYS[2], 'position', position)
redis.call('SET', KEYS[4], ARGV[1])
return {1, position}
"""

# KEYS: run. ARGV: expected state, new state, then field/value pairs. -> 1 if the run was in the expected state.
_MOVE = """
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] then return 0 end
local fields = {'state', ARGV[2]}
for i = 3, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
return 1
"""

# KEYS: run, active, lock, recent, sparse. ARGV: run_id, expected heartbeat ('' for any), run ttl, progress ttl,
# then field/value pairs (state included). Ends a queued or running run -> 1, or 0 if it had already ended (or beat again).
_FINISH = """
local state = redis.call('HGET', KEYS[1], 'state')
if state ~= 'queued' and state ~= 'running' then return 0 end
if ARGV[2] ~= '' and (redis.call('HGET', KEYS[1], 'heartbeat') or '0') ~= ARGV[2] then return 0 end
local fields = {}
for i = 5, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HDEL', KEYS[1], 'stop')
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[4], ARGV[4])
redis.call('EXPIRE', KEYS[5], ARGV[4])
return 1
"""

JSON_FIELDS = ("settings", "latest_progress", "result", "phase_detail")
INT_FIELDS = ("num_episodes", "total_episodes", "position", "heartbeat", "episodes_completed")


def _flatten(fields: dict[str, Any]) -> list[str]:
    """Field/value pairs for HSET: JSON for structures, text for the rest (None is left out)."""
    pairs: list[str] = []
    for name, value in fields.items():
        if value is None:
            continue
        pairs += [name, json.dumps(value) if name in JSON_FIELDS else str(value)]
    return pairs


def _decode(raw: dict[str, str]) -> dict[str, Any]:
    run: dict[str, Any] = dict(raw)
    for name in JSON_FIELDS:
        run[name] = json.loads(raw[name]) if name in raw else None
    for name in INT_FIELDS:
        run[name] = int(raw[name]) if name in raw else 0
    return run


class RunBoard:
    """The runs of one cluster, on the Redis at ``url``; safe to share between threads."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.redis = redis.Redis.from_url(url, decode_responses=True, **TIMEOUTS)
        self._enqueue = self.redis.register_script(_ENQUEUE)
        self._move = self.redis.register_script(_MOVE)
        self._finish = self.redis.register_script(_FINISH)

    def ping(self) -> bool:
        """Whether Redis answers now."""
        try:
            return bool(self.redis.ping())
        except BrokerError:
            return False

    # -- starting --------------------------------------------------------------------------------
    def enqueue(self, run_id: str, scenario_name: str, **fields: Any) -> tuple[bool, Any]:
        """Take the scenario for a new queued run and put it last in line, in one step.
        Returns ``(True, runs ahead of it)``, or ``(False, the run holding the scenario)``."""
        keys = [lock_key(scenario_name), run_key(run_id), ACTIVE, LATEST, SEQUENCE]
        args = [run_id, *_flatten({"run_id": run_id, "scenario_name": scenario_name, "state": "queued", **fields})]
        taken, detail = self._enqueue(keys=keys, args=args)
        return bool(taken), int(detail) if taken else (detail or None)

    def mark_running(self, run_id: str, **fields: Any) -> bool:
        """queued -> running; False when the run is no longer queued (cancelled, failed, or a second
        delivery of its task): the caller must then not train."""
        return bool(self._move(keys=[run_key(run_id)], args=["queued", "running", *_flatten(fields)]))

    def update(self, run_id: str, **fields: Any) -> None:
        self.redis.hset(run_key(run_id), mapping=dict(zip(*[iter(_flatten(fields))] * 2)))

    def beat(self, run_id: str) -> None:
        """The worker is alive and training ``run_id``."""
        self.redis.hincrby(run_key(run_id), "heartbeat", 1)

    def record_progress(
        self, run_id: str, record: dict[str, Any], sparse: Iterable[dict[str, Any]] | None, sparse_rewritten: bool
    ) -> None:
        """Keep an episode's record for late clients: the latest ``RECENT_RECORDS`` in full, and the
        sparse older ones (``sparse``: records to append, or the whole new list when ``sparse_rewritten``)."""
        key = run_key(run_id)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, mapping={"latest_progress": json.dumps(record), "episodes_completed": record["episode"]})
            pipe.rpush(key + ":recent", json.dumps(record))
            pipe.ltrim(key + ":recent", -RECENT_RECORDS, -1)
            if sparse_rewritten:
                pipe.delete(key + ":sparse")
            if sparse:
                pipe.rpush(key + ":sparse", *map(json.dumps, sparse))
            pipe.execute()

    # -- stopping and ending ---------------------------------------------------------------------
    def request_stop(self, run_id: str) -> None:
        self.redis.hset(run_key(run_id), "stop", "1")

    def stop_requested(self, run_id: str) -> bool:
        return self.redis.hget(run_key(run_id), "stop") == "1"

    def finish(self, run_id: str, state: str, heartbeat: int | None = None, **fields: Any) -> bool:
        """End a queued or running run as ``state`` (completed, stopped, failed), free its scenario and
        leave the line, in one step. ``heartbeat``: only if the worker has not beaten since. False when the
        run had already ended: someone else sends its final event."""
        key = run_key(run_id)
        keys = [
            key,
            ACTIVE,
            lock_key(fields.get("scenario_name") or self.redis.hget(key, "scenario_name") or ""),
            key + ":recent",
            key + ":sparse",
        ]
        args = [
            run_id,
            "" if heartbeat is None else str(heartbeat),
            FINISHED_TTL,
            PROGRESS_TTL,
            *_flatten({"state": state, **fields}),
        ]
        return bool(self._finish(keys=keys, args=args))

    # -- reading ---------------------------------------------------------------------------------
    def run(self, run_id: str | None) -> dict[str, Any] | None:
        raw = self.redis.hgetall(run_key(run_id)) if run_id else None
        return _decode(raw) if raw else None

    def latest(self) -> dict[str, Any] | None:
        return self.run(self.redis.get(LATEST))

    def active(self) -> list[dict[str, Any]]:
        """Queued and running runs, oldest first."""
        ids = self.redis.zrange(ACTIVE, 0, -1)
        with self.redis.pipeline(transaction=False) as pipe:
            for run_id in ids:
                pipe.hgetall(run_key(run_id))
            return [_decode(raw) for raw in pipe.execute() if raw]

    def runs_ahead(self, run_id: str) -> int | None:
        """How many active runs were started before ``run_id``; None when it is not active."""
        return self.redis.zrank(ACTIVE, run_id)

    def active_count(self) -> int:
        return int(self.redis.zcard(ACTIVE))

    def progress(self, run_id: str) -> list[dict[str, Any]]:
        """The kept progress records of a run, in episode order."""
        key = run_key(run_id)
        with self.redis.pipeline(transaction=False) as pipe:
            pipe.lrange(key + ":sparse", 0, -1)
            pipe.lrange(key + ":recent", 0, -1)
            sparse, recent = pipe.execute()
        return [json.loads(item) for item in [*sparse, *recent]]

    # -- workers ---------------------------------------------------------------------------------
    def register_worker(self, name: str, slots: int) -> None:
        self.redis.set(worker_key(name), slots, ex=WORKER_TTL)

    def unregister_worker(self, name: str) -> None:
        self.redis.delete(worker_key(name))

    def worker_slots(self) -> int:
        """Training slots of the live workers (a run per slot at a time)."""
        keys = list(self.redis.scan_iter(worker_key("*"), count=1000))
        return sum(int(value) for value in self.redis.mget(keys) if value) if keys else 0
