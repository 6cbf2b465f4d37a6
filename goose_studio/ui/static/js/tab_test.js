/* ⑤ TEST: chat with the core (answers stream in; the passages it looked up are shown), base model and core side
   by side, and the automatic evaluation's scores. */
(function () {
  "use strict";
  const S = window.Studio;
  const history = {core: [], base: []};
  let busy = false;

  function scoreRow(name, value, good) {
    return `<li><span>${S.esc(name)}</span><b>${S.esc(value)}${good === undefined ? "" : good ? " ✓" : " ⚠"}</b></li>`;
  }

  S.renderTest = function (run) {
    const train = run.tabs.train.summary;
    S.slot("test-head", train ? `Training complete ✓ Adapter: <code>${S.esc(String(train.adapter_path || "").split("/").slice(-2).join("/"))}</code>`
                              : "The chat opens once training is complete.");
    const tab = run.tabs.test;
    const p = tab.summary;
    S.$("#chat-send").disabled = busy || !(run.id && train);
    if (!p) {
      S.slot("test", tab.state === "running" ? `<p class="muted">Auto-eval running: ${S.esc(tab.label || "…")}</p>`
                                             : `<p class="muted">${tab.failure ? S.esc(tab.failure.message) : "Scores appear when the evaluation ends."}</p>`);
      return;
    }
    const parts = Object.entries(p.parts || {}).map(([k, v]) => v === null || v === undefined
      ? scoreRow(k.replace(/_/g, " "), "not measured") : scoreRow(k.replace(/_/g, " "), `${S.num(v, 0)}/100`, v >= 70)).join("");
    const vs = typeof p.vs_base === "number" ? `${p.vs_base >= 0 ? "+" : ""}${S.num(p.vs_base, 1)} points` : "–";
    S.slot("test", `<ul class="scores">${parts}
      ${scoreRow("Overall", `${S.num(p.score, 0)}/100`, !!p.passed)}
      ${scoreRow("vs base model", vs)}
      ${p.grade ? scoreRow("Grade", p.grade) : ""}
      ${scoreRow("Perplexity", `${S.num(p.base_perplexity, 2)} → ${S.num(p.lora_perplexity, 2)}`)}
      ${p.probe && p.probe.accuracy !== undefined ? scoreRow("Knowledge probe", `${Math.round(100 * p.probe.accuracy)}%`) : ""}
      </ul>${(p.issues || []).length ? `<p class="muted">Issues: ${p.issues.map(S.esc).join(", ")}</p>` : ""}`);
  };

  function bubble(who, text) {
    const node = S.el("div", {class: `msg ${who === "you" ? "you" : "core"}`, "data-who": who},
                      S.el("span", {class: "who"}, who === "you" ? "You" : who === "base" ? "Base model" : "Core"), S.el("span", {class: "text"}, text || ""));
    S.$("#chat-log").append(node);
    S.$("#chat-log").scrollTop = S.$("#chat-log").scrollHeight;
    return S.$(".text", node);
  }

  function showPassages(passages) {
    const list = S.$("#chat-passages ol");
    list.innerHTML = "";
    for (const h of passages || []) {
      list.append(S.el("li", {}, S.el("b", {}, `${h.path}:${h.start_line}-${h.end_line}`), ` (score ${S.num(h.score, 2)})`,
                       S.el("pre", {}, String(h.text || "").slice(0, 1200))));
    }
    S.$("#chat-passages summary").textContent = `Retrieved passages (${(passages || []).length})`;
    S.$("#chat-passages").dataset.count = String((passages || []).length);
  }

  async function ask(e) {
    e.preventDefault();
    const run = S.run;
    const input = S.$("#chat-input");
    const prompt = input.value.trim();
    if (!prompt || busy || !run || !run.id) return;
    busy = true;
    S.$("#chat-send").disabled = true;
    input.value = "";
    const compare = S.$("#chat-compare").checked;
    bubble("you", prompt);
    const texts = {core: null, base: null};
    const sides = {core: S.$('#compare [data-who="core"]'), base: S.$('#compare [data-who="base"]')};
    sides.core.textContent = "";
    sides.base.textContent = compare ? "" : "(tick “side by side” to compare)";
    const target = (who) => {
      if (!texts[who]) texts[who] = {node: who === "core" ? bubble("core", "") : null, text: ""};
      return texts[who];
    };
    try {
      await S.bridge.chat({run_id: run.id, prompt, compare, history: history.core, base_history: history.base},
        (name, data) => {
          if (name === "passages") showPassages(data.passages);
          else if (name === "token" || name === "done") {
            const side = target(data.who);
            side.text = name === "done" ? data.text : side.text + data.text;
            if (side.node) side.node.textContent = side.text;
            sides[data.who].textContent = side.text;
            if (name === "done") {
              history[data.who].push({role: "user", content: prompt}, {role: "assistant", content: data.text});
              if (side.node) side.node.closest(".msg").dataset.done = "1";
            }
          } else if (name === "error") {
            bubble("core", data.guide || (data.failure && data.failure.message) || "The core could not answer.");
          }
        });
    } catch (err) {
      bubble("core", err.guide || err.message);
    } finally {
      busy = false;
      S.renderTest(S.run);
    }
  }

  S.resetChat = function () {
    history.core = [];
    history.base = [];
    S.$("#chat-log").innerHTML = "";
    showPassages([]);
  };

  S.initTest = function () {
    S.$("#chat-form").addEventListener("submit", ask);
  };
})();
