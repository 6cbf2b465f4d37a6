/* A run as the page knows it, built from its events (step.<tab>.<phase>, agent.*, run.*) and the status
   snapshots the server sends (run_status): each tab's state, progress, log and summary; the loss curve; the
   GPUs; what the agents did; the Guide's question or the failure. */
(function () {
  "use strict";
  const S = window.Studio;
  const TABS = S.boot.tabs;
  S.TERMINAL = ["complete", "failed", "cancelled", "interrupted"];
  const MAX_LINES = 400;

  function blankTab() {
    return {state: "pending", progress: null, summary: null, failure: null, lines: [], started: null, ended: null,
            frac: null, label: ""};
  }

  S.newRun = function (id) {
    return {id, status: null, snapshot: null, tabs: Object.fromEntries(TABS.map((t) => [t, blankTab()])),
            loss: new Map(), train: {}, gpus: null, agent: [], question: null, failure: null, options: {},
            source: null, core: null, quality: null, events: 0, lastTs: 0, lastEvent: null};
  };

  /** Progress in words (as the CLI and MCP say it) and as a fraction (null when unknown). */
  S.progressOf = function (tab, p) {
    const label = S.label(tab);
    const pairs = [["step", "total"], ["done", "total"], ["copied", "total"], ["files_done", "files_total"]];
    let frac = null;
    for (const [a, b] of pairs) {
      if (typeof p[a] === "number" && p[b]) { frac = Math.min(1, p[a] / p[b]); break; }
    }
    if (p.stage === "queued" && p.position) return {frac: null, text: `${label} queued, position ${p.position} (waiting for the trainer)`};
    if (typeof p.step === "number" && p.total) {
      let text = `Step ${p.step}/${p.total} (${Math.round(100 * frac)}%)`;
      if (typeof p.loss === "number") text += `, loss ${p.loss.toFixed(3)}`;
      if (typeof p.tokens_per_s === "number") text += `, ${Math.round(p.tokens_per_s)} tokens/s`;
      return {frac, text};
    }
    if ("files_done" in p) return {frac, text: `${p.files_done}/${p.files_total} files indexed`};
    const parts = [];
    if (p.stage) parts.push(String(p.stage));
    if (p.category) parts.push(String(p.category));
    if (typeof p.done === "number" && p.total) parts.push(`${p.done}/${p.total}`);
    if (typeof p.copied === "number" && p.total) parts.push(`${p.copied}/${p.total}`);
    return {frac, text: parts.join(" ") || label};
  };

  function logLine(tab, p) {
    if (p.line) return String(p.line);
    if (p.message) return String(p.message);
    if (p.stage && !("step" in p) && !("copied" in p)) {
      const extra = Object.entries(p).filter(([k, v]) => k !== "stage" && v !== null && typeof v !== "object")
        .map(([k, v]) => `${k}=${v}`).join(" ");
      return `${p.stage}${extra ? " (" + extra + ")" : ""}`;
    }
    return null;
  }

  function push(list, item) {
    list.push(item);
    if (list.length > MAX_LINES) list.splice(0, list.length - MAX_LINES);
  }

  function stepEvent(run, tabName, phase, p, ts) {
    const tab = run.tabs[tabName];
    if (phase === "started") {
      Object.assign(tab, blankTab(), {state: "running", started: ts, lines: tab.lines});
      if (tabName === "train") run.train = {};
    } else if (phase === "progress") {
      tab.state = "running";
      tab.progress = p;
      const said = S.progressOf(tabName, p);
      tab.label = said.text;
      if (said.frac !== null) tab.frac = said.frac;
      const line = logLine(tabName, p);
      if (line) push(tab.lines, line);
      if (tabName === "train") trainProgress(run, p, ts);
    } else if (phase === "complete" || phase === "skipped") {
      Object.assign(tab, {state: phase, summary: p, ended: ts, frac: 1, failure: null});
      if (tabName === "train" && Array.isArray(p.loss_curve)) {
        for (const point of p.loss_curve) {
          const step = point.step !== undefined ? point.step : point[0];
          const loss = point.loss !== undefined ? point.loss : point[1];
          if (typeof step === "number" && typeof loss === "number") run.loss.set(step, loss);
        }
      }
    } else if (phase === "failed") {
      tab.state = "failed";
      tab.failure = p;
      push(tab.lines, `failed: ${p.message || p.kind || ""}`);
    }
  }

  function trainProgress(run, p, ts) {
    if (typeof p.step === "number") {
      Object.assign(run.train, {step: p.step, total: p.total, eta: p.eta_sec, elapsed: p.elapsed_s, at: ts,
                                tokensPerS: p.tokens_per_s, epoch: p.epoch});
      if (typeof p.loss === "number" && isFinite(p.loss)) run.loss.set(p.step, p.loss);
    }
    if (p.gpus) run.gpus = p.gpus;
    if (p.stage) {
      run.train.stage = p.stage;
      if (p.stage === "starting trainer") Object.assign(run.train, {method: p.method, device: p.device,
        unsloth: p.unsloth, estimate: p.estimate_s});
      if (p.stage === "queued") run.train.position = p.position;
    }
  }

  /** Apply one event to the run. */
  S.applyEvent = function (run, ev) {
    run.events += 1;
    run.lastTs = Math.max(run.lastTs, ev.ts || 0);
    run.lastEvent = ev;
    const p = ev.payload || {};
    const parts = String(ev.type).split(".");
    if (parts[0] === "step" && run.tabs[parts[1]]) {
      stepEvent(run, parts[1], parts[2], p, ev.ts);
      return;
    }
    switch (ev.type) {
      case "run.started":
        for (const t of TABS) run.tabs[t] = blankTab();
        run.loss = new Map();
        run.options = p.options || {};
        run.source = p.source || null;
        run.status = "running";
        run.question = run.failure = null;
        break;
      case "run.resumed":
        run.status = "running";
        run.question = run.failure = null;
        for (const t of TABS) {
          if ((p.completed || []).includes(t)) run.tabs[t].state = run.tabs[t].state === "skipped" ? "skipped" : "complete";
          else if (["failed", "waiting"].includes(run.tabs[t].state)) run.tabs[t].state = "pending";
        }
        break;
      case "run.waiting":
        run.status = "waiting";
        if (p.question) run.question = p.question;
        if (p.step && run.tabs[p.step]) run.tabs[p.step].state = "waiting";
        break;
      case "run.answered":
        run.question = null;
        break;
      case "run.complete":
        run.status = "complete";
        run.core = p.core || run.core;
        break;
      case "run.failed":
        run.status = "failed";
        run.failure = p;
        break;
      case "run.interrupted":
      case "run.cancelled":
        run.status = ev.type.split(".")[1];
        break;
      default:
        if (parts[0] === "agent") {
          push(run.agent, {type: ev.type, payload: p, ts: ev.ts});
          if (ev.type === "agent.guide") run.question = p;
        }
    }
  };

  /** Apply a run_status snapshot (the truth about status, question, failure and core). */
  S.applyStatus = function (run, st) {
    run.snapshot = st;
    run.status = st.status;
    run.question = st.status === "waiting" ? (st.question || run.question) : null;
    run.failure = st.failure || null;
    run.core = st.core || run.core;
    run.quality = st.quality_score !== undefined ? st.quality_score : run.quality;
    run.source = st.source || run.source;
    for (const t of st.completed_steps || []) {
      if (!["complete", "skipped"].includes(run.tabs[t].state)) run.tabs[t].state = "complete";
    }
    if (st.status === "waiting" && st.step && run.tabs[st.step]) run.tabs[st.step].state = "waiting";
    if (st.status === "failed" && st.step && run.tabs[st.step]) run.tabs[st.step].state = "failed";
  };

  /** Whether a tab can be opened: SOURCE always; another once the step before it is done (or it has begun). */
  S.unlocked = function (run, tab) {
    const i = TABS.indexOf(tab);
    if (i <= 0) return true;
    if (!run) return false;
    const own = run.tabs[tab].state;
    if (own !== "pending") return true;
    return ["complete", "skipped"].includes(run.tabs[TABS[i - 1]].state);
  };

  /** The tab the run is at now (the running, waiting or failed one; else the last one done). */
  S.currentTab = function (run) {
    if (!run) return "source";
    const active = TABS.find((t) => ["running", "waiting", "failed"].includes(run.tabs[t].state));
    if (active) return active;
    const done = TABS.filter((t) => ["complete", "skipped"].includes(run.tabs[t].state));
    return done.length ? done[done.length - 1] : "source";
  };

  S.lossPoints = (run) => Array.from(run.loss.entries()).sort((a, b) => a[0] - b[0]);
})();
