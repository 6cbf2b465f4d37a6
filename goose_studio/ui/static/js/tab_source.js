/* ① SOURCE: pick Hugging Face, GitHub or your files; paste or upload; Learn it (the learn tool) or start a
   Quick Recipe in one click. What SOURCE collected is shown once the step is done. */
(function () {
  "use strict";
  const S = window.Studio;
  const chosen = {kind: null, uploads: []};
  S.sourceChoice = chosen;

  function learnSchema() { return (S.tool("learn") || {}).input_schema || {properties: {}}; }
  /** learn's arguments with a control of their own here (the rest are under "Every option of learn"). */
  const OWN = new Set(["source", "sources", "example", "name", "model", "preset", "method", "max_steps", "pairs_only",
                       "recipe"]);

  function fillMore() {
    const schema = learnSchema();
    const box = S.$("#learn-more");
    const required = new Set(schema.required || []);
    for (const [name, prop] of Object.entries(schema.properties || {})) {
      if (!OWN.has(name)) box.append(S.fieldFor(name, prop, schema, required.has(name)));
    }
  }

  function fillSettings() {
    const props = learnSchema().properties || {};
    const model = S.$("#set-model");
    model.value = (props.model && props.model.default) || "embedded";
    const preset = S.$("#set-preset");
    for (const p of S.boot.presets) preset.append(S.el("option", {value: p.name, selected: p.default}, `${p.name} — ${p.summary}`));
    const method = S.$("#set-method");
    const kind = props.method ? S.fieldKind(props.method, learnSchema()) : null;
    for (const v of (kind && kind.values) || []) method.append(S.el("option", {value: v}, v));
    S.$("#model-list").append(S.el("option", {value: "embedded"}, "the embedded 135M model (CPU)"));
  }

  function choose(kind) {
    chosen.kind = kind;
    for (const card of S.$$("#source-kinds .card")) card.classList.toggle("selected", card.dataset.kind === kind);
    const form = S.$("#source-form");
    form.hidden = false;
    form.dataset.kind = kind;
    const first = S.$(`.field[data-for="${kind}"] input`, form);
    if (first && first.type !== "file") first.focus();
    const files = S.$("#src-files");
    if (!S.bridge.uploads) files.closest("label") && (files.hidden = true);
  }

  /** The sources the form names now (empty when nothing is chosen). */
  S.chosenSources = function () {
    const kind = chosen.kind;
    if (kind === "github") {
      const v = S.$("#src-github").value.trim();
      return v ? [v] : [];
    }
    if (kind === "hf") {
      const v = S.$("#src-hf").value.trim();
      return v ? [v.startsWith("hf:") ? v : `hf:${v}`] : [];
    }
    if (kind === "files") {
      const path = S.$("#src-path").value.trim();
      return [...chosen.uploads.map((u) => u.source), ...(path ? [path] : [])];
    }
    return [];
  };

  /** learn's arguments from the settings (only what was set: the tool's defaults do the rest). */
  S.learnSettings = function () {
    const args = {};
    const name = S.$("#set-name").value.trim();
    if (name) args.name = name;
    const model = S.$("#set-model").value.trim();
    if (model) args.model = model;
    const preset = S.$("#set-preset").value;
    if (preset) args.preset = preset;
    const method = S.$("#set-method").value;
    if (method) args.method = method;
    const steps = parseInt(S.$("#set-max-steps").value, 10);
    if (steps > 0) args.max_steps = steps;
    if (S.$("#set-strategy").value === "manual") args.pairs_only = true;
    const defaults = learnSchema().properties || {};
    for (const [name, value] of Object.entries(S.formArgs(S.$("#learn-more")))) {
      if (JSON.stringify(value) !== JSON.stringify((defaults[name] || {}).default)) args[name] = value;
    }
    return args;
  };

  async function start(extra) {
    const sources = S.chosenSources();
    const args = Object.assign(S.learnSettings(), extra || {});
    if (sources.length) {
      args.source = sources[0];
      if (sources.length > 1) args.sources = sources.slice(1);
    }
    if (!args.source && !args.recipe) {
      S.say("Choose a source first: paste a repository, name a dataset or add your files.", "info");
      if (!chosen.kind) choose("github");
      return;
    }
    const button = S.$("#start");
    button.disabled = true;
    try {
      const started = await S.bridge.call("learn", args);
      S.say(null);
      S.openRun(started.run_id, {follow: true});
    } catch (err) {
      S.say(err.guide || err.message, "failure");
    } finally {
      button.disabled = false;
    }
  }
  S.startLearning = start;

  async function upload(files) {
    const list = S.$("#upload-list");
    list.append(S.el("li", {class: "muted"}, `uploading ${files.length} file(s)…`));
    try {
      const result = await S.bridge.upload(files);
      chosen.uploads.push(...result.files.filter((f) => f.source));
      list.innerHTML = "";
      for (const f of chosen.uploads) list.append(S.el("li", {}, S.el("b", {}, f.name), S.el("span", {class: "why"}, S.bytes(f.size))));
      for (const f of result.files.filter((x) => !x.source)) {
        list.append(S.el("li", {class: "bad"}, S.el("b", {}, f.name), S.el("span", {class: "why"}, f.reason || "refused")));
      }
    } catch (err) {
      list.lastChild && list.lastChild.remove();
      S.say(err.guide || err.message, "failure");
    }
  }

  async function search() {
    const query = S.$("#repo-search").value.trim();
    const out = S.$("#repo-results");
    if (!query) return;
    out.innerHTML = '<li class="muted">searching…</li>';
    try {
      const r = await S.bridge.call("search_repositories", {query, limit: 8});
      out.innerHTML = "";
      for (const repo of r.repositories || []) {
        out.append(S.el("li", {}, S.el("button", {class: "small", onclick: () => { S.$("#src-github").value = repo.url; }}, "Use"),
          S.el("b", {}, repo.full_name || repo.url), S.el("span", {class: "why"}, `★ ${repo.stars || 0} · ${repo.language || ""} · ${(repo.description || "").slice(0, 90)}`)));
      }
      if (!out.children.length) out.innerHTML = '<li class="muted">No repository matches.</li>';
    } catch (err) {
      out.innerHTML = "";
      out.append(S.el("li", {class: "muted"}, err.guide || err.message));
    }
  }

  function renderRecipes() {
    const box = S.$("#recipes");
    for (const r of S.boot.recipes) {
      box.append(S.el("button", {"data-recipe": r.name, title: r.result || r.summary,
        onclick: () => start({recipe: r.name})},
        S.el("b", {}, r.title), S.el("small", {}, `${r.summary} · ~${r.minutes} min`)));
    }
  }

  S.renderSource = function (run) {
    const tab = run && run.tabs.source;
    if (!tab || !tab.summary) { S.slot("source", tab && tab.state === "running" ? `<p class="muted">${S.esc(tab.label || "collecting…")}</p>` : ""); return; }
    const p = tab.summary;
    const inputs = Object.entries(p.inputs || {}).map(([k, v]) => `${S.esc(k)}: ${S.esc(v)}`).join(", ");
    S.slot("source", `<div class="box"><h3>Raw materials ready</h3><div class="facts">
      <div class="fact"><b>${S.esc(p.files)}</b><span>files</span></div>
      <div class="fact"><b>${S.esc(p.code_files)}</b><span>code files</span></div>
      <div class="fact"><b>${S.esc(p.documents)}</b><span>documents</span></div>
      <div class="fact"><b>${S.esc(p.pairs)}</b><span>your pairs</span></div></div>
      <p>${S.esc(p.source_type || "")} <code>${S.esc(p.repo || "")}</code>${p.commit ? " @ <code>" + S.esc(String(p.commit).slice(0, 12)) + "</code>" : ""}</p>
      ${inputs ? `<p class="muted">inputs: ${inputs}</p>` : ""}
      ${(p.skipped_examples || []).length ? `<p class="muted">skipped: ${p.skipped_examples.map(S.esc).join("; ")}</p>` : ""}</div>`);
  };

  S.initSource = function () {
    fillSettings();
    fillMore();
    renderRecipes();
    for (const card of S.$$("#source-kinds .card")) card.addEventListener("click", () => choose(card.dataset.kind));
    S.$("#source-form").addEventListener("submit", (e) => { e.preventDefault(); start(); });
    S.$("#src-files").addEventListener("change", (e) => { if (e.target.files.length) upload(Array.from(e.target.files)); });
    S.$("#repo-search-go").addEventListener("click", search);
    S.$("#repo-search").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); search(); } });
    if (!S.bridge.uploads) S.$("#src-files").disabled = true;
    if (!S.tool("search_repositories")) S.$("#repo-search").closest(".row").hidden = true;
  };
})();
