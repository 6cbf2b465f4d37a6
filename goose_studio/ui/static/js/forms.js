/* Forms derived from a tool's input schema (the registry's args model): one field per argument, with its
   type, choices, default and description; filled from what the open run already knows. Every tab lists its
   tools this way under "More tools", so a tool added to the registry is usable here at once. */
(function () {
  "use strict";
  const S = window.Studio;

  function resolve(schema, root) {
    if (schema && schema.$ref) {
      const name = schema.$ref.split("/").pop();
      return Object.assign({}, (root.$defs || {})[name] || {}, {description: schema.description});
    }
    return schema || {};
  }

  /** The field's kind: enum, boolean, integer, number, list, object or string; and whether null is allowed. */
  S.fieldKind = function (schema, root) {
    let s = resolve(schema, root);
    let nullable = false;
    const options = s.anyOf || s.oneOf;
    if (options) {
      const real = options.filter((o) => o.type !== "null");
      nullable = real.length < options.length;
      s = Object.assign({}, resolve(real[0] || {}, root), {description: schema.description, default: schema.default});
    }
    if (s.enum || s.const !== undefined) return {kind: "enum", values: s.enum || [s.const], schema: s, nullable};
    if (s.type === "boolean") return {kind: "boolean", schema: s, nullable};
    if (s.type === "integer" || s.type === "number") return {kind: s.type, schema: s, nullable};
    if (s.type === "array") return {kind: "list", schema: s, nullable, items: resolve(s.items || {}, root)};
    if (s.type === "object") return {kind: "object", schema: s, nullable};
    return {kind: "string", schema: s, nullable};
  };

  /** One labelled field for argument ``name`` of a tool (its schema ``prop`` in the schema ``root``). */
  function fieldFor(name, prop, root, required, value) {
    const f = S.fieldKind(prop, root);
    const id = `f-${Math.random().toString(36).slice(2, 9)}`;
    const help = (prop.description || f.schema.description || "").slice(0, 240);
    const shown = value !== undefined ? value : prop.default;
    let input;
    if (f.kind === "boolean") {
      input = S.el("input", {type: "checkbox", id, name, checked: shown === true, "data-kind": "boolean",
                             "data-default": String(prop.default === true)});
      return S.el("label", {class: "check", title: help}, input, `${name}${required ? " *" : ""}`);
    }
    if (f.kind === "enum") {
      input = S.el("select", {id, name},
        f.nullable || !required ? S.el("option", {value: ""}, "(default)") : null,
        f.values.map((v) => S.el("option", {value: String(v), selected: String(v) === String(shown)}, String(v))));
    } else if (f.kind === "object" || (f.kind === "list" && f.items.type === "object")) {
      input = S.el("textarea", {id, name, rows: 2, placeholder: "JSON"}, shown ? JSON.stringify(shown) : "");
    } else if (f.kind === "list") {
      input = S.el("input", {id, name, placeholder: "one per line or comma separated",
                             value: Array.isArray(shown) ? shown.join(", ") : ""});
    } else {
      input = S.el("input", {id, name, type: f.kind === "string" ? "text" : "number",
                             step: f.kind === "number" ? "any" : null,
                             value: shown === undefined || shown === null ? "" : String(shown)});
    }
    input.dataset.kind = f.kind;
    return S.el("label", {for: id, title: help}, `${name}${required ? " *" : ""}`, input,
                help ? S.el("small", {class: "muted"}, help) : null);
  }

  S.fieldFor = fieldFor;

  /** The arguments a form holds: empty fields left out (the tool's defaults apply). */
  S.formArgs = function (form) {
    const args = {};
    for (const input of S.$$("input, select, textarea", form)) {
      const name = input.name;
      if (!name) continue;
      const kind = input.dataset.kind;
      if (kind === "boolean") {  // unticking a box that is on by default says false
        if (input.checked) args[name] = true;
        else if (input.dataset.default === "true") args[name] = false;
        continue;
      }
      const raw = input.value.trim();
      if (raw === "") continue;
      if (kind === "integer") args[name] = parseInt(raw, 10);
      else if (kind === "number") args[name] = Number(raw);
      else if (kind === "list") args[name] = raw.split(/[\n,]/).map((v) => v.trim()).filter(Boolean);
      else if (kind === "object" || input.tagName === "TEXTAREA") {
        try { args[name] = JSON.parse(raw); } catch (e) { args[name] = raw; }
      } else args[name] = raw;
    }
    return args;
  };

  /** A form for tool ``entry``; ``context()`` gives values for its arguments (run_id, core, ...). */
  S.toolForm = function (entry, context) {
    const schema = entry.input_schema || {};
    const props = schema.properties || {};
    const required = new Set(schema.required || []);
    const known = context() || {};
    const out = S.el("div", {class: "tool-out", hidden: true});
    const form = S.el("form", {class: "tool-form", "data-tool": entry.name},
      S.el("h4", {}, entry.name), S.el("p", {}, entry.description || ""),
      Object.entries(props).map(([name, prop]) => fieldFor(name, prop, schema, required.has(name), known[name])),
      S.el("div", {class: "actions"}, S.el("button", {type: "submit", class: entry.destructive ? "danger" : ""},
                                           entry.read_only ? "Run" : `Run ${entry.name}`)), out);
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      out.hidden = false;
      out.textContent = "…";
      try {
        const result = await S.bridge.call(entry.name, S.formArgs(form));
        out.textContent = JSON.stringify(result, null, 2);
        if (S.onToolResult) S.onToolResult(entry.name, result);
      } catch (err) {
        out.textContent = err.guide || err.message;
      }
    });
    return form;
  };

  /** Fill every ``[data-tools=<tab>]`` box with the forms of that tab's tools (``skip``: shown elsewhere). */
  S.renderToolLists = function (context, skip) {
    for (const box of S.$$("[data-tools]")) {
      const tab = box.dataset.tools;
      const tools = S.boot.tools.filter((t) => (t.tab || "studio") === tab && !skip.has(t.name));
      box.innerHTML = "";
      if (!tools.length) continue;
      const list = S.el("details", {}, S.el("summary", {}, `More tools (${tools.map((t) => t.name).join(", ")})`));
      list.addEventListener("toggle", () => {
        if (list.open && !list.dataset.filled) {
          list.dataset.filled = "1";
          for (const t of tools) list.append(S.toolForm(t, context));
        }
      }, {once: false});
      box.append(list);
    }
  };
})();
