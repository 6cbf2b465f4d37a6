/* ② BUILD (progress, build log, what was built and indexed, the explorer's screenshots) and ③ PREPARE (the
   training-data strategy and the quality dashboard: pairs per category, score, tokens, estimated time). */
(function () {
  "use strict";
  const S = window.Studio;
  const CATEGORY = {explain: "Function explanation", generate: "Code generation", debug: "Debugging",
                    architecture: "Architecture", testing: "Testing", uiux: "UI/UX", docs: "Documentation",
                    defaults: "Defaults", behaviour: "Behaviour", relations: "Relations", user: "Your pairs"};
  const drawn = {log: 0, run: null, shots: null};

  function fact(value, label) { return `<div class="fact"><b>${S.esc(value)}</b><span>${S.esc(label)}</span></div>`; }

  S.renderBuild = function (run) {
    const tab = run.tabs.build;
    S.setProgress(S.$('[data-progress="build"]'), tab.frac, tab.label || (tab.state === "pending" ? "waiting for SOURCE" : ""),
                  tab.state === "running");
    const log = S.$("#build-log");
    if (drawn.run !== run.id) { log.textContent = ""; drawn.log = 0; drawn.run = run.id; drawn.shots = null; }
    if (tab.lines.length < drawn.log) { log.textContent = ""; drawn.log = 0; }
    if (tab.lines.length > drawn.log) {
      log.textContent += tab.lines.slice(drawn.log).join("\n") + "\n";
      drawn.log = tab.lines.length;
      log.scrollTop = log.scrollHeight;
    }
    const p = tab.summary;
    if (!p) { S.slot("build", tab.failure ? `<p class="bad">${S.esc(tab.failure.message || "")}</p>` : ""); return; }
    const status = p.build_status || (p.skipped ? "code-only" : "built");
    S.slot("build", `<div class="box"><h3>${status === "code-only" ? "Code analysis complete (code-only)" : "Build: " + S.esc(status)}</h3>
      <div class="facts">${fact(S.num(p.files_indexed), "files indexed")}${fact(S.num(p.symbols), "functions and classes")}
      ${p.pages !== undefined ? fact(p.pages, "pages explored") : ""}${p.build_s ? fact(S.duration(p.build_s), "build time") : ""}</div>
      <p class="muted">${S.esc(p.reason || "")}</p>
      ${p.engine || p.framework ? `<p>${S.esc([p.engine, p.provider, p.framework, p.sandbox && p.sandbox + " sandbox"].filter(Boolean).join(" · "))}</p>` : ""}
      ${(p.repairs || []).length ? `<p>Repairs: ${p.repairs.map(S.esc).join(", ")}</p>` : ""}
      ${p.skipped_files ? `<p class="muted">${S.esc(p.skipped_files)} files skipped: ${(p.skipped_examples || []).map(S.esc).join("; ")}</p>` : ""}</div>`);
    if (p.pages && drawn.shots !== run.id) {
      drawn.shots = run.id;
      showShots(run);
    }
  };

  async function showShots(run) {
    const box = S.$("#screenshots");
    if (!S.bridge.images) { box.innerHTML = `<p class="muted">${S.esc(run.tabs.build.summary.pages)} pages explored.</p>`; return; }
    try {
      const pages = await S.bridge.get(`api/runs/${encodeURIComponent(run.id)}/screenshots`);
      box.innerHTML = "";
      for (const page of pages) {
        box.append(S.el("figure", {},
          page.screenshot ? S.el("img", {src: S.bridge.screenshotUrl(run.id, page.n), alt: `Screenshot of ${page.path}`, loading: "lazy"}) : null,
          S.el("figcaption", {}, `${page.path} ${page.title ? "— " + page.title : ""} ${page.status ? "(" + page.status + ")" : ""}`)));
      }
      if (!pages.length) box.innerHTML = '<p class="muted">No page was explored.</p>';
    } catch (err) {
      box.innerHTML = `<p class="muted">${S.esc(err.message)}</p>`;
    }
  }

  function strategyOf(run) {
    const o = run.options || {};
    if (o.pairs_only) return "manual";
    const tab = run.tabs.source.summary;
    return tab && tab.pairs > 0 ? "mix" : "auto";
  }

  S.renderPrepare = function (run) {
    const tab = run.tabs.prepare;
    const strategy = run.id ? strategyOf(run) : S.$("#set-strategy").value;
    for (const card of S.$$("#strategies .card")) card.classList.toggle("selected", card.dataset.strategy === strategy);
    const src = run.tabs.source.summary;
    S.slot("prepare-source", src ? `Source: <code>${S.esc(src.repo)}</code> (${S.esc(src.source_type || "")}) — how should I create training data?`
                                 : "How should I create training data?");
    S.setProgress(S.$('[data-progress="prepare"]'), tab.state === "running" ? null : tab.frac, tab.label, tab.state === "running");
    const p = tab.summary;
    if (!p) { S.slot("prepare", tab.failure ? `<p class="bad">${S.esc(tab.failure.message || "")}</p>` : ""); return; }
    const ok = typeof p.quality === "number" && p.quality >= 70;
    const minutes = p.est_train_minutes;
    S.slot("prepare", `<div class="box"><h3>Training data ready</h3>
      <div class="facts">${fact(S.num(p.pairs), "total pairs")}${fact(`${S.num(p.train)} / ${S.num(p.held_out)}`, "train / held out")}
      ${fact(`${S.num(p.quality)}/100 ${ok ? "✓" : "⚠"}`, "quality score")}${fact(S.num(p.avg_tokens, 0), "avg tokens per pair")}
      ${fact(minutes === undefined || minutes === null ? "–" : `~${S.num(minutes)} min`, "estimated training time")}
      ${p.grounded !== undefined && p.grounded !== null ? fact(`${Math.round(100 * p.grounded)}%`, "grounded in the code") : ""}</div>
      <h3>Pairs per category</h3>${S.bars(p.per_category, CATEGORY)}
      ${p.per_origin ? `<p class="muted">by origin: ${Object.entries(p.per_origin).map(([k, v]) => `${S.esc(k)} ${S.esc(v)}`).join(", ")}</p>` : ""}
      ${p.secrets_redacted ? `<p>${S.esc(p.secrets_redacted)} secret value(s) redacted from the pairs.</p>` : ""}
      ${(p.actions || []).length ? `<p class="muted">${p.actions.map(S.esc).join("<br>")}</p>` : ""}</div>`);
  };

  async function previewSamples() {
    const run = S.run;
    const box = S.$("#samples");
    if (!run || !run.id) return;
    box.innerHTML = '<p class="muted">loading…</p>';
    try {
      const rows = await S.bridge.samples(run.id, 5);
      box.innerHTML = "";
      for (const r of rows.pairs || []) {
        box.append(S.el("div", {class: "pair"}, S.el("b", {}, r.category || "pair"), S.el("div", {}, "Q: " + r.instruction),
                        S.el("div", {}, "A: " + r.output)));
      }
      if (!box.children.length) box.innerHTML = '<p class="muted">No pairs yet.</p>';
    } catch (err) {
      box.innerHTML = `<p class="muted">${S.esc(err.message)}</p>`;
    }
  }

  S.initBuild = function () {
    S.$("#preview-samples").addEventListener("click", previewSamples);
    if (!S.bridge.images) S.$("#preview-samples").hidden = true;
    for (const card of S.$$("#strategies .card")) {
      card.addEventListener("click", () => {
        S.$("#set-strategy").value = card.dataset.strategy;
        if (card.dataset.strategy !== "auto" && (!S.run || !S.run.id)) {
          S.say("Add your pairs under SOURCE → My Files; the next run uses them.", "info");
        }
        S.renderPrepare(S.run || S.newRun(null));
      });
    }
  };
})();
