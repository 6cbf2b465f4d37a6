/* ⑥ PUBLISH: the core's details (name, description, tags, icon, price), the five validation gates (the
   run's own, or the validate tool's), and publish_core's destinations: the local registry, GGUF, the Hub
   when a token is set. A form field goes to the tool argument of the same name. */
(function () {
  "use strict";
  const S = window.Studio;
  const state = {filledFor: null, validatedFor: null, publishing: false};

  function publishTool() { return S.tool("publish_core"); }
  /** Whether publish_core offers a destination (read from its input schema). */
  function offers(destination) { return !!publishTool() && JSON.stringify(publishTool().input_schema).includes(`"${destination}"`); }

  /** The details the form holds, by the argument names a PUBLISH tool may take. */
  function details(run) {
    const tags = S.$("#pub-tags").value.split(",").map((t) => t.trim()).filter(Boolean);
    const custom = S.$('input[name="price"]:checked').value === "custom";
    const to = [["local", "#dest-local"], ["hub", "#dest-hub"], ["gguf", "#dest-gguf"]]
      .filter(([, box]) => S.$(box).checked && !S.$(box).disabled).map(([d]) => d);
    return {name: S.$("#pub-name").value.trim(), description: S.$("#pub-description").value.trim(), tags,
            icon: S.$("#pub-icon").value.trim() || undefined, price: custom ? Number(S.$("#pub-price").value || 0) : 0,
            core: run.core, to, check_load: run.options && run.options.check_load === false ? false : undefined};
  }

  function argsFor(entry, values) {
    const props = (entry.input_schema || {}).properties || {};
    const args = {};
    for (const name of Object.keys(props)) {
      const v = values[name];
      if (v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length)) continue;
      args[name] = v;
    }
    return args;
  }

  const GATES = {V1: "Schema", V2: "Security", V3: "Eval", V4: "Portable", V5: "Quality"};

  function renderGates(report) {
    const list = S.$("#gates");
    list.innerHTML = "";
    for (const g of report.gates || []) {
      const mark = g.status === "passed" ? "✓" : g.status === "failed" ? "✗" : "–";
      list.append(S.el("li", {"data-status": g.status, "data-gate": g.id}, S.el("span", {class: "mark"}, mark),
        S.el("span", {}, S.el("b", {}, `${g.id}: `), g.title || g.name || GATES[g.id] || "",
             g.detail ? S.el("div", {class: "detail"}, g.detail) : null,
             g.status === "failed" && g.fix ? S.el("div", {class: "detail"}, "Fix: " + g.fix) : null)));
    }
    if (!list.children.length) list.append(S.el("li", {}, report.ok ? "✓ valid" : (report.errors || []).join("; ")));
  }

  async function validate(run) {
    if (!run.core) return;
    S.$("#gates").innerHTML = '<li class="muted">validating…</li>';
    try {
      renderGates(await S.bridge.call("validate", {path: run.core}));
    } catch (err) {
      S.$("#gates").innerHTML = "";
      S.$("#gates").append(S.el("li", {class: "bad"}, err.guide || err.message));
    }
  }

  async function publish(e) {
    e.preventDefault();
    const run = S.run;
    if (!run || !run.core) { S.say("The core is packaged when the run reaches PUBLISH.", "info"); return; }
    const values = details(run);
    const button = S.$("#pub-publish");
    if (!publishTool()) {
      S.slot("publish", `<div class="box" data-published="local"><h3>Saved locally</h3><p><code>${S.esc(run.core)}</code></p></div>`);
      return;
    }
    if (!values.to.length) { S.say("Choose at least one destination.", "info"); return; }
    button.disabled = true;
    state.publishing = true;
    S.slot("publish", `<p class="muted">Publishing to ${S.esc(values.to.join(", "))}…</p>`);
    try {
      const r = await S.bridge.call("publish_core", argsFor(publishTool(), values));
      if (r.gates) renderGates({gates: r.gates});
      const rows = (r.destinations || []).map((d) => `<li data-destination="${S.esc(d.destination)}" data-ok="${d.ok}">` +
        `${d.ok ? "✓" : "✗"} <b>${S.esc(d.destination)}</b>: ${S.esc(d.detail || (d.failure && d.failure.message) || "")}` +
        `${!d.ok && d.failure && d.failure.hint ? "<br><small>" + S.esc(d.failure.hint) + "</small>" : ""}</li>`).join("");
      S.slot("publish", `<div class="box" data-published="${r.ok ? "ok" : "partly"}"><h3>${r.ok ? "Core published" : "Published in part"}</h3>
        <p><code>${S.esc(r.name)}</code> ${S.esc(r.version || "")}</p><ul class="destinations">${rows}</ul></div>`);
    } catch (err) {
      S.slot("publish", "");
      S.say(err.guide || err.message, "failure");
    } finally {
      button.disabled = false;
      state.publishing = false;
    }
  }

  function prefill(run) {
    if (state.filledFor === run.id) return;
    state.filledFor = run.id;
    const src = run.tabs.source.summary || {};
    const repo = String(src.repo || run.source || "").replace(/\/+$/, "").split(/[/:]/).pop() || "";
    const name = (run.options && run.options.name) || repo;
    S.$("#pub-name").value = name ? name.replace(/[-_]+/g, " ").replace(/\b\w/g, (c) => c.toUpperCase()) + " Expert" : "";
    S.$("#pub-description").value = repo ? `Specialised in ${repo}. Trained on its ${src.code_files || ""} code files and ${src.documents || 0} documents.`.replace(/\s+/g, " ") : "";
    S.$("#pub-tags").value = ["coding", repo.toLowerCase()].filter(Boolean).join(", ");
    S.$("#pub-icon").value = "";
  }

  S.renderPublish = function (run) {
    const q = run.quality !== null && run.quality !== undefined ? run.quality : run.tabs.test.summary && run.tabs.test.summary.score;
    const passed = run.tabs.test.summary ? run.tabs.test.summary.passed : q >= 70;
    S.slot("publish-head", q !== undefined && q !== null ? `Quality Score: ${S.num(q, 0)}/100 ${passed ? "✓ Ready to publish!" : "⚠ below the bar"}`
                                                         : "The core is packaged once it passes TEST.");
    if (run.id && run.tabs.source.summary) prefill(run);
    const hub = !!S.boot.tokens.hf_token && offers("hub");
    S.$("#dest-hub").disabled = !hub;
    S.slot("hub-note", S.boot.tokens.hf_token ? (hub ? "" : "(not offered by this studio yet)") : "(set HF_TOKEN to upload)");
    S.$("#dest-gguf").disabled = !offers("gguf");
    S.slot("gguf-note", offers("gguf") ? "(llama.cpp and Ollama; takes a few minutes)" : "(not offered by this studio yet)");
    const p = run.tabs.publish.summary;
    if (p && !state.publishing && !S.$('[data-slot="publish"] .box')) {
      S.slot("publish", `<div class="box" data-packaged="1"><h3>Packaged and signed</h3><p><code>${S.esc(p.core)}</code> (${S.bytes(p.size_bytes)}, sha256 ${S.esc(String(p.sha256 || "").slice(0, 12))}…)</p></div>`);
    }
    if (p && p.gates && state.validatedFor !== run.id) {  // the gates as the run's PUBLISH step passed them
      state.validatedFor = run.id;
      renderGates({gates: Object.entries(p.gates).map(([id, status]) => ({id, status}))});
    }
  };

  S.initPublish = function () {
    S.$("#publish-form").addEventListener("submit", publish);
    S.$("#pub-validate").addEventListener("click", () => S.run && validate(S.run));
  };
})();
