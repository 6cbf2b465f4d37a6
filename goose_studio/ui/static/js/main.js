/* The page's life: the six tabs (each unlocks when the step before it is done, and the view follows the run
   unless you pick a tab), the run being shown (opened from the list, started here, or handed over by the
   MCP host's tool result), and one render per animation frame however many events arrive. */
(function () {
  "use strict";
  const S = window.Studio;
  const TABS = S.boot.tabs;
  const CURATED = new Set(["learn", "run_status", "list_runs", "resume_run", "cancel_run", "pause_training",
                           "stop_training", "resume_training", "chat_with_core", "validate"]);
  let stopFollowing = null;
  let follow = true;
  let pending = false;
  /** What the page measures of itself: when it was ready, and how long each live event took to reach the screen. */
  S.metrics = {readyMs: null, latencies: [], waiting: []};
  S.run = S.newRun(null);
  S.activeTab = "source";

  S.show = function (tab, byUser) {
    if (!S.unlocked(S.run, tab)) return;
    if (byUser) follow = tab === S.currentTab(S.run);
    S.activeTab = tab;
    for (const panel of S.$$(".panel")) panel.hidden = panel.dataset.tab !== tab;
    render();
  };

  function renderHeader(run) {
    S.$("#run-label").textContent = run.id ? run.id : "No run yet";
    const pill = S.$("#run-status");
    pill.dataset.status = run.status || "none";
    pill.textContent = run.status || "";
    S.$("#run-cancel").hidden = !(run.id && ["running", "starting", "waiting"].includes(run.status) && S.tool("cancel_run"));
    for (const step of S.$$(".step")) {
      const t = run.tabs[step.dataset.tab];
      step.dataset.state = t.state;
      step.disabled = !S.unlocked(run, step.dataset.tab);
      step.setAttribute("aria-selected", String(step.dataset.tab === S.activeTab));
      S.$(".meter i", step).style.width = `${Math.round(100 * (t.frac || 0))}%`;
    }
  }

  function render() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const now = Date.now() / 1000;
      for (const ts of S.metrics.waiting) S.metrics.latencies.push(Math.round(1000 * (now - ts)));
      S.metrics.waiting = [];
      const run = S.run;
      if (follow && run.id) {
        const at = S.currentTab(run);
        if (at !== S.activeTab && S.unlocked(run, at)) {
          S.activeTab = at;
          for (const panel of S.$$(".panel")) panel.hidden = panel.dataset.tab !== at;
        }
      }
      renderHeader(run);
      S.renderNotices(run);
      S.renderSource(run);
      S.renderBuild(run);
      S.renderPrepare(run);
      S.renderTrain(run);
      S.renderTest(run);
      S.renderPublish(run);
      document.body.dataset.events = String(run.events);
    });
  }
  S.render = render;

  /** Show run ``id``: its events from the first, then live. */
  S.openRun = function (id, opts) {
    if (stopFollowing) stopFollowing();
    S.run = S.newRun(id);
    follow = true;
    S.clearActivity();
    S.resetChat();
    S.slot("publish", "");
    S.$("#gates").innerHTML = "";
    S.$("#screenshots").innerHTML = '<p class="muted">Screenshots of the running app appear here once it is explored.</p>';
    if (S.bridge.kind === "http" && history.replaceState) history.replaceState(null, "", `#run=${encodeURIComponent(id)}`);
    const picker = S.$("#run-picker");
    if (![...picker.options].some((o) => o.value === id)) picker.append(S.el("option", {value: id}, id));
    picker.value = id;
    stopFollowing = S.bridge.follow(id, {
      event: (ev) => {
        if (S.run.id !== id) return;
        S.applyEvent(S.run, ev);
        S.logActivity(ev);
        if (S.metrics.readyMs !== null && ev.ts > S.metrics.readyAt) S.metrics.waiting.push(ev.ts);
        render();
      },
      status: (st) => {
        if (S.run.id !== id) return;
        S.applyStatus(S.run, st);
        render();
      },
      problem: (p) => S.say(p.message, "failure"),
    });
    if (opts && opts.tab) S.show(opts.tab);
    render();
  };

  S.onResumed = () => { follow = true; render(); };
  S.onToolResult = (name, result) => {
    if (result && result.run_id && ["learn", "resume_run", "run_status", "resume_training"].includes(name)) S.openRun(result.run_id);
  };

  async function listRuns() {
    if (!S.tool("list_runs")) return;
    try {
      const r = await S.bridge.call("list_runs", {limit: 30});
      const picker = S.$("#run-picker");
      for (const run of r.runs || []) {
        if ([...picker.options].some((o) => o.value === run.run_id)) continue;
        picker.append(S.el("option", {value: run.run_id}, `${run.run_id} (${run.status})`));
      }
    } catch (err) { /* the list is a convenience */ }
  }

  function context() {
    const run = S.run;
    const src = run.tabs.source.summary || {};
    return {run_id: run.id || undefined, core: run.core || undefined, path: run.core || undefined,
            source: run.source || undefined, repo_path: src.repo_path || undefined};
  }

  async function init() {
    S.initSource();
    S.initBuild();
    S.initTrain();
    S.initTest();
    S.initPublish();
    S.renderToolLists(context, CURATED);
    for (const step of S.$$(".step")) step.addEventListener("click", () => S.show(step.dataset.tab, true));
    for (const next of S.$$("[data-next]")) next.addEventListener("click", () => S.show(next.dataset.next, true));
    S.$("#run-picker").addEventListener("change", (e) => { if (e.target.value) S.openRun(e.target.value); });
    S.$("#run-cancel").addEventListener("click", async () => {
      try { await S.bridge.call("cancel_run", {run_id: S.run.id}); } catch (err) { S.say(err.guide || err.message, "failure"); }
    });
    if (S.bridge.kind === "mcp") {
      document.body.classList.add("embedded");
      S.bridge.onToolResult = (r) => {
        const data = r.structuredContent || {};
        if (data.run_id) S.openRun(data.run_id);
        else if (data.runs && data.runs.length && !S.run.id) S.openRun(data.runs[0].run_id);
      };
      S.bridge.onToolInput = (args) => { if (args && args.run_id && S.run.id !== args.run_id) S.openRun(args.run_id); };
      try { await S.bridge.connect(); } catch (err) { S.say("The host did not answer: " + err.message, "failure"); }
    }
    listRuns();
    const wanted = /#run=([^&]+)/.exec(location.hash || "");
    if (wanted) S.openRun(decodeURIComponent(wanted[1]));
    S.show(S.activeTab);
    render();
    S.metrics.readyMs = Math.round(performance.now());
    S.metrics.readyAt = Date.now() / 1000;
    document.body.dataset.ready = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
