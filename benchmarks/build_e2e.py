"""End-to-end figures for BUILD on this machine: build + run + explore in the sandbox, and learn on a web app.

1. Three small apps made here — a Flask app, an Express app and a static site — each built twice in one
   workspace with ``build_app`` (the first build fills the sandbox's package cache, the second is the one
   timed "once dependencies are cached"): status, seconds per stage, pages explored and the screenshots.
2. ``--learn``: ``goose-studio learn`` (smoke preset) on a small Flask web-app repository; prints the BUILD
   step's status and the UI/UX pairs PREPARE drew from the exploration report.

Targets: each app ``ran`` with a screenshot per page, each cached build ≤ 90 s; learn ends with UI/UX pairs.
Usage: .venv/bin/python benchmarks/build_e2e.py [--home DIR] [--learn] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FLASK = {
    "requirements.txt": "flask==3.1.3\n",
    "app.py": '''
        from flask import Flask, render_template_string, request

        app = Flask(__name__)
        PAGE = """<!doctype html><html><head><title>{{ title }} · Tasks</title>
        <style>body{font-family:sans-serif;margin:2rem} nav a{margin-right:1rem} table{border-collapse:collapse}
        td,th{border:1px solid #999;padding:.3rem .6rem}</style></head><body>
        <nav><a href="/">Home</a><a href="/tasks">Tasks</a><a href="/new">New task</a></nav>
        <h1>{{ title }}</h1>{{ body|safe }}</body></html>"""
        TASKS = [("Write the report", "open"), ("Review the build", "done"), ("Plan the release", "open")]


        def page(title, body):
            return render_template_string(PAGE, title=title, body=body)


        @app.get("/")
        def home():
            return page("Task board", "<p>A small task tracker: see <a href='/tasks'>the tasks</a>.</p>")


        @app.get("/tasks")
        def tasks():
            rows = "".join(f"<tr><td>{t}</td><td>{s}</td></tr>" for t, s in TASKS)
            return page("Tasks", f"<table><tr><th>Task</th><th>Status</th></tr>{rows}</table>")


        @app.route("/new", methods=["GET", "POST"])
        def new():
            if request.method == "POST":
                TASKS.append((request.form.get("title", ""), "open"))
            form = ("<form method='post'><label for='title'>Title</label> <input id='title' name='title' required>"
                    " <button type='submit'>Add</button></form>")
            return page("New task", form)
    ''',
}
EXPRESS = {
    "package.json": json.dumps({"name": "tiny-shop", "version": "1.0.0", "main": "server.js",
                                "scripts": {"start": "node server.js"}, "dependencies": {"express": "4.21.2"}}),
    "server.js": '''
        const express = require("express");
        const app = express();
        const items = [["Kettle", 24], ["Teapot", 31], ["Mug", 8]];
        const page = (title, body) => `<!doctype html><html><head><title>${title} · Shop</title>
          <style>body{font-family:sans-serif;margin:2rem;background:#f6f6ff} nav a{margin-right:1rem}</style></head>
          <body><nav><a href="/">Home</a><a href="/products">Products</a><a href="/contact">Contact</a></nav>
          <h1>${title}</h1>${body}</body></html>`;
        app.get("/", (req, res) => res.send(page("Tiny shop", "<p>Tea things, shipped fast.</p>")));
        app.get("/products", (req, res) => res.send(page("Products",
          "<ul>" + items.map(([n, p]) => `<li>${n}: ${p} EUR</li>`).join("") + "</ul>")));
        app.get("/contact", (req, res) => res.send(page("Contact", `<form><label for="m">Message</label>
          <textarea id="m" name="m"></textarea><button>Send</button></form>`)));
        const port = process.env.PORT || 3000;
        app.listen(port, () => console.log(`shop listening on ${port}`));
    ''',
}
STATIC = {
    "index.html": '''<!doctype html><html><head><title>Field notes</title><link rel="stylesheet" href="style.css">
        </head><body><header><h1>Field notes</h1><nav><a href="about.html">About</a></nav></header>
        <main><article><h2>Spring</h2><p>The first swallows came back on the 12th.</p></article></main></body></html>''',
    "about.html": '''<!doctype html><html><head><title>About · Field notes</title><link rel="stylesheet"
        href="style.css"></head><body><h1>About</h1><p>Notes from a garden.</p><a href="index.html">Back</a></body>
        </html>''',
    "style.css": "body{font-family:Georgia,serif;max-width:40rem;margin:2rem auto;color:#234}h1{color:#2a6}\n",
}


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return root


def build_once(app: Path) -> dict:
    from goose_studio.tools.build.builder import BuildAppArgs
    from goose_studio.tools.registry import ToolContext, call_tool
    from goose_studio.workspace import Workspace

    started = time.monotonic()
    report = call_tool("build_app", BuildAppArgs(app_dir=str(app), max_pages=8), ToolContext(workspace=Workspace.from_env()))
    return {"wall_s": round(time.monotonic() - started, 2), "report": report}


def builds(work: Path) -> bool:
    ok = True
    print(f"{'app':<8} {'status':<9} {'first':>7} {'cached':>7} {'install':>8} {'start':>6} {'explore':>8} pages  "
          "screenshots")
    for name, files in (("flask", FLASK), ("express", EXPRESS), ("static", STATIC)):
        app = write(work / "apps" / name, files)
        first = build_once(app)
        second = build_once(app)
        r = second["report"]
        shots = [p.screenshot for p in r.exploration.pages if p.screenshot]
        t = r.timings
        print(f"{name:<8} {r.status:<9} {first['wall_s']:>6.1f}s {second['wall_s']:>6.1f}s {t.get('build', 0):>7.1f}s "
              f"{t.get('start', 0):>5.1f}s {t.get('explore', 0):>7.1f}s {len(r.exploration.pages):>5}  "
              f"{shots[0] if shots else r.exploration.reason}")
        for page in r.exploration.pages:
            print(f"{'':<8}   {page.path:<14} {page.status} {page.title!r}: {page.text[:60]!r}")
        ok &= r.status == "ran" and bool(shots) and second["wall_s"] <= 90
        if r.status != "ran":
            print(f"{'':<8}   reason: {r.reason}")
    return ok


def learn(work: Path) -> bool:
    repo = write(work / "repos-src" / "taskboard", {**FLASK, "tasks/__init__.py": "", "tasks/model.py": '''
        """Tasks and their states."""


        class Task:
            """A task with a title and a state (open or done)."""

            def __init__(self, title: str, state: str = "open") -> None:
                self.title = title
                self.state = state

            def close(self) -> None:
                """Mark the task done."""
                self.state = "done"

            def is_open(self) -> bool:
                """Whether the task still needs doing."""
                return self.state == "open"


        def open_tasks(tasks: list[Task]) -> list[Task]:
            """The tasks not done yet, in order."""
            return [t for t in tasks if t.is_open()]
    '''})
    started = time.monotonic()
    cmd = [str(Path(sys.executable).with_name("goose-studio")), "learn", str(repo), "--preset", "smoke",
           "--min-pairs", "10", "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    wall = time.monotonic() - started
    try:
        out = json.loads(done.stdout)
    except ValueError:
        print("learn printed no JSON:", done.stderr[-2000:])
        return False
    from goose_studio.events import read_events
    from goose_studio.workspace import Workspace

    ws = Workspace.from_env()
    events = read_events(ws.run_dir(out["run_id"]) / "events.jsonl")
    build = next((e.payload for e in events if e.type in ("step.build.complete", "step.build.skipped")), {})
    prepare = next((e.payload for e in reversed(events) if e.type == "step.prepare.complete"), {})
    uiux = (prepare.get("per_category") or {}).get("uiux", 0)
    pairs = []
    for name in ("train.jsonl", "eval.jsonl"):
        path = ws.run_paths(out["run_id"]).dataset_dir / name
        if path.exists():
            pairs += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    page_pairs = [p for p in pairs if p.get("category") == "uiux"]
    print(f"learn: {out['status']} in {wall:.0f}s; BUILD {build.get('build_status')} ({build.get('pages')} pages, "
          f"report {build.get('exploration_report')}); PREPARE uiux pairs {uiux}, "
          f"{len(page_pairs)} in the dataset")
    for pair in page_pairs[:3]:
        print("  ", json.dumps(pair)[:300])
    return out["status"] == "complete" and uiux > 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--home", help="Workspace to use (kept; a second run finds the package caches warm)")
    parser.add_argument("--learn", action="store_true", help="Also learn a small Flask web-app repository")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary workspace")
    args = parser.parse_args()
    work = Path(args.home) if args.home else Path(tempfile.mkdtemp(prefix="gs-build-e2e-"))
    os.environ["GOOSE_STUDIO_HOME"] = str(work / "home")
    print(f"workspace: {work / 'home'}")
    ok = builds(work)
    if args.learn:
        ok &= learn(work)
    if not args.home and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
