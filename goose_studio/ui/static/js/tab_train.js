/* ④ TRAIN: the run's model, method and preset; progress with elapsed and remaining time; the loss curve drawn
   live; GPU status; Pause / Stop & save best / Resume (the TRAIN tools pause_training, stop_training,
   resume_training). */
(function () {
  "use strict";
  const S = window.Studio;
  const drawn = {points: -1, run: null, log: 0, width: 0};
  let systemGpus = null;

  function gpuRows(gpus) {
    if (!gpus || !gpus.length) return null;
    return gpus.map((g) => {
      const used = g.memory_used_gib, total = g.memory_total_gib;
      const pct = total ? Math.round((100 * used) / total) : null;
      return `<div class="progress"><span class="label">${S.esc(g.name || "GPU " + g.index)}: ${S.num(used, 1)} GB / ${S.num(total, 1)} GB` +
        `${g.utilization_percent !== null && g.utilization_percent !== undefined ? ` · ${g.utilization_percent}% busy` : ""}` +
        `${g.temperature_c ? ` · ${g.temperature_c}°C` : ""}</span><div class="bar"><i style="width:${pct || 0}%"></i></div></div>`;
    }).join("");
  }

  function controls(run) {
    const active = ["running", "starting"].includes(run.status);
    const training = active && run.tabs.train.state === "running";
    const q = run.question;
    const paused = run.status === "waiting" && q && q.tab === "train";
    const stopped = ["interrupted", "cancelled", "failed"].includes(run.status) && run.tabs.train.state !== "complete"
      && run.tabs.prepare.state === "complete";
    const can = {pause_training: training, stop_training: training, resume_training: paused || stopped};
    for (const b of S.$$("[data-control]")) {
      const exists = !!S.tool(b.dataset.control);
      b.hidden = !exists;
      b.disabled = !run.id || !can[b.dataset.control];
    }
  }

  S.renderTrain = function (run) {
    const tab = run.tabs.train, t = run.train, o = run.options || {};
    const data = run.tabs.prepare.summary;
    const method = t.method || o.method || "best for this machine";
    S.slot("train-setup", `<h3>Setup</h3><div class="facts">
      <div class="fact"><b>${S.esc(o.model || "–")}</b><span>base model</span></div>
      <div class="fact"><b>${S.esc(method)}</b><span>method${t.unsloth ? " · Unsloth ON" : ""}</span></div>
      <div class="fact"><b>${S.esc(o.preset || "–")}</b><span>preset</span></div>
      <div class="fact"><b>${S.esc(t.device || "–")}</b><span>device</span></div>
      <div class="fact"><b>${data ? S.num(data.train) : "–"}</b><span>training pairs</span></div>
      <div class="fact"><b>${t.estimate ? "~" + S.duration(t.estimate) : data && data.est_train_minutes ? "~" + S.num(data.est_train_minutes) + " min" : "–"}</b><span>estimated time</span></div></div>`);
    const label = tab.state === "complete" ? `Training complete${tab.summary && typeof tab.summary.loss === "number" ? "! Loss: " + tab.summary.loss.toFixed(3) : ""}`
      : tab.label || (tab.state === "pending" ? "waiting for PREPARE" : "");
    S.setProgress(S.$('[data-progress="train"]'), typeof t.step === "number" || tab.state === "complete" ? tab.frac : null,
                  label, tab.state === "running");
    let remaining = t.eta;
    if (typeof remaining === "number" && t.at && tab.state === "running") remaining = Math.max(0, remaining - (Date.now() / 1000 - t.at));
    S.slot("train-times", tab.state === "running" && typeof t.step === "number"
      ? `Time: ${S.duration(t.elapsed)} elapsed │ ~${S.duration(remaining)} remaining` + (t.tokensPerS ? ` │ ${Math.round(t.tokensPerS)} tokens/s` : "")
      : tab.summary ? `${S.num(tab.summary.steps)} steps in ${S.duration(tab.summary.duration_s)}${tab.summary.stopped_early ? " (stopped early, best kept)" : ""}` : "");
    const canvas = S.$("#loss-curve");
    const points = S.lossPoints(run);
    if (drawn.points !== points.length || drawn.run !== run.id || drawn.width !== canvas.clientWidth) {
      drawn.points = points.length;
      drawn.run = run.id;
      drawn.width = canvas.clientWidth;
      S.drawLoss(canvas, points);
    }
    S.slot("loss-note", points.length ? `${points.length} logged point(s); last loss ${points[points.length - 1][1].toFixed(3)}` : "The curve is drawn as the trainer logs its loss.");
    S.slot("gpu", gpuRows(run.gpus) || gpuRows(systemGpus && systemGpus.gpus) ||
      `<p class="muted">${S.esc((systemGpus && systemGpus.reason) || "No GPU in use: training runs on the CPU.")}</p>`);
    controls(run);
    const log = S.$("#train-log");
    if (drawn.logRun !== run.id) { log.textContent = ""; drawn.log = 0; drawn.logRun = run.id; }
    if (tab.lines.length > drawn.log) {
      log.textContent += tab.lines.slice(drawn.log).join("\n") + "\n";
      drawn.log = tab.lines.length;
    }
  };

  async function control(name) {
    const run = S.run;
    if (!run || !run.id) return;
    for (const b of S.$$("[data-control]")) b.disabled = true;
    try {
      const r = await S.bridge.call(name, {run_id: run.id});
      S.say(r.next || `${name}: ${r.status}`, "info");
      if (name === "resume_training" && S.onResumed) S.onResumed(run);
    } catch (err) {
      S.say(err.guide || err.message, "failure");
    } finally {
      controls(run);
    }
  }

  S.initTrain = function () {
    for (const b of S.$$("[data-control]")) b.addEventListener("click", () => control(b.dataset.control));
    const details = S.$("#train-details");
    details.addEventListener("click", () => {
      const log = S.$("#train-log");
      log.hidden = !log.hidden;
      details.setAttribute("aria-expanded", String(!log.hidden));
    });
    S.bridge.system().then((info) => { systemGpus = info && info.gpu; if (S.run) S.renderTrain(S.run); }).catch(() => {});
    window.addEventListener("resize", () => { if (S.run) S.renderTrain(S.run); });
  };
})();
