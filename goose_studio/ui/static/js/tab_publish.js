/* ⑥ PUBLISH: the core's details (name, description, tags, icon, price), the five validation gates (the
   validate tool), and the destinations: saved locally, exported as GGUF, uploaded to the Hub when a token is
   set. The PUBLISH tools are read from the registry; a form field goes to the argument of the same name. */
(function () {
  "use strict";
  const S = window.Studio;
  const state = {filledFor: null, validatedFor: null};

  function publishTool() { return S.tool("publish_core"); }
  function exportTool() { return S.tool("export_gguf"); }

  /** Values for a tool's arguments, by argument name, from the form and the run. */
  function details(run) {
    const tags = S.$("#pub-tags").value.split(",").map((t) => t.trim()).filter(Boolean);
    const custom = S.$('input[name="price"]:checked').value === "custom";
    const price = custom ? Number(S.$("#pub-price").value || 0) : 0;
    const core = run.core;
    return {name: S.$("#pub-name").value.trim(), description: S.$("#pub-description").value.trim(), tags,
            icon: S.$("#pub-icon").value.trim() || undefined, price, core, path: core, core_path: core, package: core,
            run_id: run.id, hub: S.$("#dest-hub").checked, upload: S.$("#dest-hub").checked,
            push_to_hub: S.$("#dest-hub").checked, gguf: S.$("#dest-gguf").checked,
            export_gguf: S.$("#dest-gguf").checked, local: S.$("#dest-local").checked, save_locally: S.$("#dest-local").checked};
  }

  function argsFor(entry, values) {
    const props = (entry.input_schema || {}).properties || {};
    const args = {};
    for (const name of Object.keys(props)) {
      const v = values[name];
      if (v === undefined || v === null || v === "" || (Array.isArray(v) && !v.length && !(props[name].type === "array"))) continue;
      args[name] = v;
    }
    return args;
  }

  const GATES = {V1: "Schema", V2: "Security", V3: "Eval", V4: "Portable", V5: "Quality"};

  function renderGates(report) {
    const list = S.$("#gates");
    list.innerHTML = "";
    for (const g of report.gates || []) {
      const mark = g.status === "passed" ? "✅" : g.status === "failed" ? "✗" : "–";
      list.append(S.el("li", {"data-status": g.status, "data-gate": g.id}, S.el("span", {class: "mark"}, mark),
        S.el("span", {}, S.el("b", {}, `${g.id}: `), g.title || g.name || GATES[g.id] || "",
             g.detail ? S.el("div", {class: "detail"}, g.detail) : null,
             g.status === "failed" && g.fix ? S.el("div", {class: "detail"}, "Fix: " + g.fix) : null)));
    }
    if (!list.children.length) list.append(S.el("li", {}, report.ok ? "✅ valid" : (report.errors || []).join("; ")));
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
    const done = [];
    const button = S.$("#pub-publish");
    button.disabled = true;
    try {
      if (publishTool()) {
        const r = await S.bridge.call("publish_core", argsFor(publishTool(), values));
        done.push(`Published: ${r.path || r.core || r.url || JSON.stringify(r).slice(0, 200)}`);
        if (r.validation) renderGates(r.validation);
      } else if (values.local) {
        done.push(`Saved locally: ${run.core}`);
      }
      if (values.gguf && exportTool()) {
        const r = await S.bridge.call("export_gguf", argsFor(exportTool(), values));
        done.push(`GGUF: ${r.path || r.gguf || JSON.stringify(r).slice(0, 200)}`);
      }
      S.slot("publish", `<div class="box"><h3>Core published 🎉</h3><p>${done.map(S.esc).join("<br>")}</p></div>`);
    } catch (err) {
      S.say(err.guide || err.message, "failure");
    } finally {
      button.disabled = false;
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
    S.$("#pub-icon").value = "🪿";
  }

  S.renderPublish = function (run) {
    const q = run.quality !== null && run.quality !== undefined ? run.quality : run.tabs.test.summary && run.tabs.test.summary.score;
    const passed = run.tabs.test.summary ? run.tabs.test.summary.passed : q >= 70;
    S.slot("publish-head", q !== undefined && q !== null ? `Quality Score: ${S.num(q, 0)}/100 ${passed ? "✅ Ready to publish!" : "⚠ below the bar"}`
                                                         : "The core is packaged once it passes TEST.");
    if (run.id && run.tabs.source.summary) prefill(run);
    const hub = !!S.boot.tokens.hf_token && !!(publishTool() && JSON.stringify(publishTool().input_schema).includes("hub"));
    S.$("#dest-hub").disabled = !hub;
    S.slot("hub-note", S.boot.tokens.hf_token ? (hub ? "" : "(not offered by this studio yet)") : "(set HF_TOKEN to upload)");
    S.$("#dest-gguf").disabled = !exportTool();
    S.slot("gguf-note", exportTool() ? "" : "(not offered by this studio yet)");
    const p = run.tabs.publish.summary;
    if (p && !S.$('[data-slot="publish"] h3')) {
      S.slot("publish", `<div class="box"><h3>Saved locally</h3><p><code>${S.esc(p.core)}</code> (${S.bytes(p.size_bytes)}, sha256 ${S.esc(String(p.sha256 || "").slice(0, 12))}…)</p></div>`);
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
