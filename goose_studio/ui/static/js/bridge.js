/* How the page reaches the studio. Served by `goose-studio ui`: the studio's HTTP API, a run followed by
   server-sent events (one EventSource, no polling). Inside an MCP host (MCP Apps): JSON-RPC over postMessage
   to the host, which forwards tool calls to the studio's MCP server; the run is followed through run_status,
   the tool hosts poll. Both offer the same calls, so the rest of the page does not care which it has. */
(function () {
  "use strict";
  const S = window.Studio;
  const APPS_PROTOCOL = "2026-01-26";

  class StudioError extends Error {
    constructor(failure, guide) {
      super((failure && failure.message) || "The studio could not do that.");
      this.failure = failure || {};
      this.guide = guide || "";
    }
  }
  S.StudioError = StudioError;

  /** Feed server-sent-event text; calls onMessage(event, data) per complete message, returns the rest. */
  S.parseSse = function (buffer, onMessage) {
    let text = buffer.replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = text.indexOf("\n\n")) >= 0) {
      const block = text.slice(0, cut);
      text = text.slice(cut + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onMessage(event, data.join("\n"));
    }
    return text;
  };

  async function answer(response) {
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!body) throw new StudioError({kind: "internal", message: `The studio answered HTTP ${response.status}.`});
    if (!body.ok) throw new StudioError(body.failure, body.guide);
    return body.result;
  }

  class HttpBridge {
    constructor() {
      this.kind = "http";
      this.streaming = true;
      this.uploads = true;
      this.images = true;
    }

    async connect() { return {}; }

    async call(name, args) {
      return answer(await fetch("api/tools/" + encodeURIComponent(name), {
        method: "POST", headers: {"content-type": "application/json"}, body: JSON.stringify(args || {})}));
    }

    async get(path) { return answer(await fetch(path, {headers: {accept: "application/json"}})); }

    follow(runId, handlers) {
      const source = new EventSource("api/runs/" + encodeURIComponent(runId) + "/stream");
      source.addEventListener("event", (e) => handlers.event(JSON.parse(e.data)));
      source.addEventListener("status", (e) => handlers.status(JSON.parse(e.data)));
      source.addEventListener("problem", (e) => handlers.problem && handlers.problem(JSON.parse(e.data)));
      source.onerror = () => handlers.connection && handlers.connection(source.readyState);
      return () => source.close();
    }

    /** Each file is one request whose body is the file; the first names the batch the others join. */
    async upload(files) {
      let batch = null;
      const saved = [];
      for (const file of files) {
        const query = `name=${encodeURIComponent(file.name)}` + (batch ? `&batch=${encodeURIComponent(batch)}` : "");
        const r = await answer(await fetch("api/uploads?" + query, {method: "POST", body: file,
          headers: {"content-type": "application/octet-stream"}}));
        batch = r.batch;
        saved.push(...r.files);
      }
      return {batch, files: saved};
    }

    /** A POST whose answer is a stream of server-sent events: onEvent(name, parsed data) per event. */
    async stream(path, payload, onEvent) {
      const response = await fetch(path, {method: "POST", headers: {"content-type": "application/json"},
                                          body: JSON.stringify(payload)});
      if (!response.ok || !response.body) await answer(response);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let rest = "";
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        rest = S.parseSse(rest + decoder.decode(value, {stream: true}), (name, data) => onEvent(name, JSON.parse(data)));
      }
    }

    chat(payload, onEvent) { return this.stream("api/chat", payload, onEvent); }
    samples(runId, n) { return this.get(`api/runs/${encodeURIComponent(runId)}/samples?n=${n || 5}`); }
    system() { return this.get("api/system"); }
    screenshotUrl(runId, n) { return `api/runs/${encodeURIComponent(runId)}/screenshots/${n}`; }
  }

  class McpBridge {
    constructor() {
      this.kind = "mcp";
      this.streaming = false;
      this.uploads = false;
      this.images = false;
      this.nextId = 1;
      this.pending = new Map();
      this.onToolResult = null;
      this.onToolInput = null;
      window.addEventListener("message", (e) => this.receive(e));
    }

    receive(e) {
      if (e.source !== window.parent) return;
      const m = e.data;
      if (!m || m.jsonrpc !== "2.0") return;
      if (m.id !== undefined && !m.method && this.pending.has(m.id)) {
        const waiting = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error) waiting.reject(new StudioError({kind: "host", message: m.error.message || "The host refused."}));
        else waiting.resolve(m.result || {});
        return;
      }
      if (m.method === "ui/notifications/tool-result" && this.onToolResult) this.onToolResult(m.params || {});
      else if (m.method === "ui/notifications/tool-input" && this.onToolInput) this.onToolInput((m.params || {}).arguments || {});
      else if (m.method === "ui/notifications/host-context-changed") this.context(m.params || {});
      else if (m.method && m.id !== undefined) this.post({jsonrpc: "2.0", id: m.id, result: {}});  // e.g. teardown
    }

    post(message) { window.parent.postMessage(message, "*"); }

    request(method, params) {
      const id = this.nextId++;
      return new Promise((resolve, reject) => {
        this.pending.set(id, {resolve, reject});
        this.post({jsonrpc: "2.0", id, method, params});
      });
    }

    notify(method, params) { this.post({jsonrpc: "2.0", method, params: params || {}}); }

    context(ctx) {
      if (ctx.theme) document.documentElement.dataset.theme = ctx.theme;
    }

    async connect() {
      const result = await this.request("ui/initialize", {
        protocolVersion: APPS_PROTOCOL, appCapabilities: {},
        appInfo: {name: "goose-studio", title: "Goose Studio", version: S.boot.version}});
      this.host = result;
      if (result.hostContext) this.context(result.hostContext);
      this.notify("ui/notifications/initialized");
      const size = () => this.notify("ui/notifications/size-changed", {
        width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight});
      if (window.ResizeObserver) new ResizeObserver(size).observe(document.body);
      size();
      return result;
    }

    async call(name, args) {
      const r = await this.request("tools/call", {name, arguments: args || {}});
      const text = (r.content || []).map((c) => c.text || "").join("\n");
      if (r.isError) throw new StudioError((r._meta && r._meta["goose-studio/failure"]) || {kind: "failed", message: text}, text);
      if (r.structuredContent) return r.structuredContent;
      try { return JSON.parse(text); } catch (e) { return {text}; }
    }

    /** A run followed through run_status (the host's tool calls are the only way out of the frame). */
    follow(runId, handlers) {
      let stopped = false;
      let timer = null;
      const seen = new Set();
      const tick = async () => {
        if (stopped) return;
        let wait = 1500;
        try {
          const status = await this.call("run_status", {run_id: runId, events: 200});
          for (const e of status.last_events || []) {
            const key = `${e.ts}|${e.type}`;
            if (seen.has(key)) continue;
            seen.add(key);
            handlers.event(Object.assign({run_id: runId}, e));
          }
          handlers.status(status);
          if (["complete", "failed", "cancelled", "interrupted"].includes(status.status)) wait = 15000;
          else if (status.status === "waiting") wait = 4000;
        } catch (err) {
          if (handlers.problem) handlers.problem({message: err.message});
          wait = 5000;
        }
        if (!stopped) timer = setTimeout(tick, wait);
      };
      tick();
      return () => { stopped = true; clearTimeout(timer); };
    }

    async chat(payload, onEvent) {
      const r = await this.call("chat_with_core", {run_id: payload.run_id || null, core: payload.core || null,
                                                   prompt: payload.prompt, compare: !!payload.compare});
      onEvent("passages", {passages: r.passages || []});
      onEvent("done", {who: "core", text: r.answer});
      if (payload.compare) onEvent("done", {who: "base", text: r.base_answer || ""});
    }

    samples() {
      return Promise.reject(new StudioError({kind: "unsupported",
        message: "Samples are shown in the studio's own window (goose-studio ui)."}));
    }
    system() { return Promise.resolve(null); }
    screenshotUrl() { return null; }
  }

  S.bridge = S.boot.mode === "mcp" ? new McpBridge() : new HttpBridge();
})();
