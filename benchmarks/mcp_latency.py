"""Latency and load figures for the MCP server (``goose-studio mcp``), measured on this machine.

Usage::

    python benchmarks/mcp_latency.py [--calls 200] [--callers 20] [--seconds 30]

Figures printed:
  (a) round trip of a trivial tool (list_runs) over stdio: p50 / p99 over ``--calls`` calls, one session;
  (b) the same over streamable HTTP on 127.0.0.1, for the default (2026-07-28, per-request) client and for a
      session-based (legacy handshake) client;
  (c) ``--callers`` concurrent run_status callers over HTTP for ``--seconds`` s, each opening a fresh
      session every 25 calls (alternating the two client modes): calls, errors, p50 / p99 under load; and
      the server's HTTP sessions, OS threads and open file descriptors before, right after (sessions
      closed), and after 11 s idle plus one call (tool calls run on a worker-thread pool that keeps idle
      threads for 10 s). No leak: the last line equals the first.
Everything runs in a throwaway GOOSE_STUDIO_HOME and on loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

from conftest import free_port, start_mcp_http, stop_process_group, studio_cli  # noqa: E402

from goose_studio.events import EventBus  # noqa: E402
from goose_studio.runner import start_run  # noqa: E402
from goose_studio.runstore import RunStatus, RunStore  # noqa: E402
from goose_studio.workspace import Workspace  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 50) * 1000:7.2f} ms   p99 {pct(values, 99) * 1000:7.2f} ms   (n={len(values)})"


async def timed_calls(client: Client, n: int, tool: str, args: dict) -> list[float]:
    for _ in range(min(n, 10)):  # warm-up
        await client.call_tool(tool, args)
    out = []
    for _ in range(n):
        t = time.perf_counter()
        result = await client.call_tool(tool, args)
        out.append(time.perf_counter() - t)
        if result.is_error:
            raise RuntimeError(f"{tool} failed: {result.content}")
    return out


def proc_facts(pid: int) -> tuple[int, int]:
    threads = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("Threads:"))
    return threads, len(os.listdir(f"/proc/{pid}/fd"))


def server_facts(port: int, pid: int) -> dict:
    health = httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
    threads, fds = proc_facts(pid)
    return {"sessions": health["sessions"], "threads": threads, "fds": fds}


async def load(url: str, run_id: str, callers: int, seconds: float) -> tuple[list[float], int, int, list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    sessions = 0
    deadline = time.monotonic() + seconds

    async def caller(i: int) -> None:
        nonlocal sessions
        k = 0
        while time.monotonic() < deadline:
            mode = "legacy" if (i + k) % 2 == 0 else "auto"
            k += 1
            try:
                async with Client(url, mode=mode) as client:
                    sessions += 1
                    for _ in range(25):
                        if time.monotonic() >= deadline:
                            break
                        t = time.perf_counter()
                        result = await client.call_tool("run_status", {"run_id": run_id, "events": 5})
                        latencies.append(time.perf_counter() - t)
                        if result.is_error:
                            errors.append("is_error: " + str(result.content)[:200])
            except Exception as exc:  # counted, not raised: the figure is how many there were
                errors.append(f"{type(exc).__name__}: {exc}"[:200])

    async with anyio.create_task_group() as tg:
        for i in range(callers):
            tg.start_soon(caller, i)
    return latencies, sessions, len(errors), errors[:3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--callers", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    opts = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="gs-mcp-bench-"))
    os.environ["GOOSE_STUDIO_HOME"] = str(home)
    ws = Workspace.from_env()
    run_id = start_run(ws, str(home / "some-repo"), {"preset": "smoke"})
    bus = EventBus(run_id, ws.run_dir(run_id) / "events.jsonl")
    for step in range(200):  # a run with a realistic event log to report on
        bus.step("train", "progress", step=step + 1, total=200, loss=2.0 - step / 200, eta_sec=200 - step)
    RunStore(ws).update(run_id, status=RunStatus.failed, step="train", failed_step="train",
                        failure={"kind": "oom", "message": "Training ran out of memory.",
                                 "hint": "Use a smaller batch.", "details": {}})
    print(f"goose-studio MCP latency  (python {sys.version.split()[0]}, {os.cpu_count()} CPUs, home {home})")

    # (a) stdio
    cli = studio_cli()
    params = StdioServerParameters(command=cli[0], args=[*cli[1:], "mcp"],
                                   env={"GOOSE_STUDIO_HOME": str(home), "HF_HUB_OFFLINE": "1"})

    async def over_stdio() -> tuple[list[float], float]:
        t = time.perf_counter()
        async with Client(params) as client:
            connect = time.perf_counter() - t
            return await timed_calls(client, opts.calls, "list_runs", {}), connect

    stdio, connect = anyio.run(over_stdio)
    print(f"(a) stdio  list_runs round trip:            {ms(stdio)}   [start+connect {connect:.2f} s]")

    # (b), (c) HTTP
    port = free_port()
    server = start_mcp_http(home, port, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}/mcp"

        async def over_http(mode: str, calls: int = opts.calls) -> list[float]:
            async with Client(url, mode=mode) as client:
                return await timed_calls(client, calls, "list_runs", {})

        print(f"(b) HTTP   list_runs round trip (default):  {ms(anyio.run(over_http, 'auto'))}")
        print(f"    HTTP   list_runs round trip (session):  {ms(anyio.run(over_http, 'legacy'))}")

        before = server_facts(port, server.pid)
        t0 = time.monotonic()
        latencies, sessions, n_errors, examples = anyio.run(load, url, run_id, opts.callers, opts.seconds)
        took = time.monotonic() - t0
        settle = time.monotonic() + 15
        after = server_facts(port, server.pid)
        while (after["sessions"], after["fds"]) != (before["sessions"], before["fds"]) and time.monotonic() < settle:
            time.sleep(0.2)  # closed sessions are torn down asynchronously
            after = server_facts(port, server.pid)
        # Tool calls run on anyio's worker-thread pool, which keeps idle threads for 10 s and prunes them on the
        # next call: idle past that, make one call, and count again.
        time.sleep(11)
        anyio.run(over_http, "auto", 1)
        idle = server_facts(port, server.pid)
        print(f"(c) HTTP   {opts.callers} concurrent run_status callers for {took:.1f} s: "
              f"{len(latencies)} calls ({len(latencies) / took:.0f}/s) over {sessions} client sessions, "
              f"errors {n_errors}")
        print(f"           under load:                      {ms(latencies)}")
        for example in examples:
            print(f"           error: {example}")
        print(f"           server before:             {json.dumps(before)}")
        print(f"           server after:              {json.dumps(after)}   (threads: idle tool-call pool)")
        print(f"           after 11 s idle + 1 call:  {json.dumps(idle)}   "
              f"{'no leak' if idle == before else 'DIFFERENT from before'}")
    finally:
        stop_process_group(server)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
