/* What the run needs from the user, as cards above the tabs: the Guide's question (one button per choice, a
   field where a choice takes a value; a click answers it with resume_run), a failure with its hint and a
   Resume button, a stopped run. And the activity list: one line per step, agent action and run event. */
(function () {
  "use strict";
  const S = window.Studio;
  let shownKey = null;

  async function resume(run, answer, card) {
    for (const b of S.$$("button, input", card)) b.disabled = true;
    const note = S.$(".state", card);
    note.textContent = answer ? `Answered “${answer}”; resuming…` : "Resuming…";
    try {
      await S.bridge.call("resume_run", answer ? {run_id: run.id, answer} : {run_id: run.id});
      card.dataset.answered = "1";
      if (S.onResumed) S.onResumed(run);
    } catch (err) {
      note.textContent = err.guide || err.message;
      for (const b of S.$$("button, input", card)) b.disabled = false;
    }
  }

  function guideCard(run, q) {
    const card = S.el("div", {class: "notice guide", role: "alert", "data-card": "guide", "data-tab": q.tab});
    S.append(card, S.el("h3", {}, `Goose Studio needs your decision — ${S.label(q.tab)}`),
      S.el("p", {}, S.el("b", {}, "What happened: "), q.message || ""),
      S.el("p", {}, S.el("b", {}, "What is needed: "), q.need || ""),
      q.explanation ? S.el("p", {}, S.el("b", {}, "Why: "), q.explanation) : null,
      (q.tried || []).length ? S.el("p", {class: "tried"}, "Already tried: " + q.tried.join("; ")) : null);
    const choices = S.el("div", {class: "choices"});
    for (const c of q.choices || []) {
      if (c.param) {
        const field = S.el("input", {placeholder: c.param, "aria-label": c.label, "data-param": c.id});
        const go = S.el("button", {class: "primary", "data-choice": c.id}, c.label);
        go.addEventListener("click", () => {
          const value = field.value.trim();
          if (!value) { field.focus(); field.setAttribute("aria-invalid", "true"); return; }
          resume(run, `${c.id}=${value}`, card);
        });
        field.addEventListener("keydown", (e) => { if (e.key === "Enter") go.click(); });
        choices.append(S.el("div", {class: "choice-row"}, field, go));
      } else {
        choices.append(S.el("button", {"data-choice": c.id, onclick: () => resume(run, c.id, card)}, c.label));
      }
    }
    card.append(choices, S.el("p", {class: "state muted"}));
    return card;
  }

  function failureCard(run, f, resumable) {
    const card = S.el("div", {class: "notice failure", role: "alert", "data-card": "failure"});
    S.append(card, S.el("h3", {}, `Goose Studio stopped${f.step ? " at " + S.label(f.step) : ""}`),
      S.el("p", {}, S.el("b", {}, "What failed: "), f.message || f.kind || ""),
      f.hint ? S.el("p", {}, S.el("b", {}, "What to do: "), f.hint) : null);
    if (resumable) card.append(S.el("div", {class: "choices"},
      S.el("button", {class: "primary", "data-choice": "resume", onclick: () => resume(run, null, card)}, "Resume the run")));
    card.append(S.el("p", {class: "state muted"}));
    return card;
  }

  /** Show the card the run calls for (kept as it is while the same question is open, so typing survives). */
  S.renderNotices = function (run) {
    const box = S.$("#notices");
    let key = null, make = null;
    const snap = run && run.snapshot;
    if (run && run.status === "waiting" && run.question) {
      const q = run.question;
      key = `guide|${run.id}|${q.tab}|${q.kind}|${q.message}`;
      make = () => guideCard(run, q);
    } else if (run && ["failed", "interrupted", "cancelled"].includes(run.status)) {
      const f = run.failure || {message: `The run is ${run.status}.`, step: snap && snap.step};
      key = `failure|${run.id}|${run.status}|${f.message}`;
      make = () => failureCard(run, Object.assign({step: snap && snap.step}, f), !snap || snap.resumable !== false);
    }
    if (key === shownKey) return;
    shownKey = key;
    box.innerHTML = "";
    if (make) box.append(make());
  };

  /** Say a notice that is not the run's (a call that failed, a hint). */
  S.say = function (text, kind) {
    const box = S.$("#notices");
    const old = S.$('[data-card="message"]', box);
    if (old) old.remove();
    if (!text) return;
    box.prepend(S.el("div", {class: `notice ${kind || "info"}`, "data-card": "message"}, S.el("p", {}, text),
      S.el("button", {class: "small", onclick: (e) => e.target.closest(".notice").remove()}, "Dismiss")));
  };

  function describe(ev) {
    const p = ev.payload || {};
    const parts = String(ev.type).split(".");
    if (parts[0] === "step") {
      const tab = S.label(parts[1]);
      if (parts[2] === "started") return [`▶ ${tab} started`, ""];
      if (parts[2] === "complete") return [`✓ ${tab} complete`, "good"];
      if (parts[2] === "skipped") return [`↷ ${tab} done (${p.reason || "skipped"})`, "good"];
      if (parts[2] === "failed") return [`✗ ${tab} failed: ${p.message || p.kind || ""}`, "bad"];
      if (p.stage && ["queued", "starting trainer", "trainer finished", "pause requested", "stop requested",
                      "plateau", "substituted", "done"].includes(p.stage)) return [`${tab}: ${S.progressOf(parts[1], p).text}`, ""];
      return null;
    }
    if (parts[0] === "agent") {
      const tab = S.label(p.tab || "");
      if (ev.type === "agent.retry") return [`↻ retry ${tab} (attempt ${p.attempt})`, "agent"];
      if (ev.type === "agent.repair") return [`⚒ repair ${tab}: ${p.diagnosis || p.label || ""}`, "agent"];
      if (ev.type === "agent.fallback") return [`⚒ fallback ${tab}: ${p.label || ""}`, "agent"];
      if (ev.type === "agent.guide") return [`? the Guide asks about ${tab}`, "agent"];
      if (ev.type === "agent.guide.answered") return [`↪ your choice: ${p.id || ""}`, "agent"];
      return [ev.type, "agent"];
    }
    if (ev.type === "run.started") return ["Run started", ""];
    if (ev.type === "run.resumed") return ["Run resumed", ""];
    if (ev.type === "run.waiting") return ["Waiting for your decision", "agent"];
    if (ev.type === "run.complete") return [`Run complete: ${p.core || ""}`, "good"];
    if (ev.type === "run.failed") return [`Run failed: ${p.message || ""}`, "bad"];
    if (ev.type === "run.interrupted" || ev.type === "run.cancelled") return [`Run ${ev.type.split(".")[1]}`, "bad"];
    return null;
  }

  /** Add an event's line to the activity list (newest last, kept in view). */
  S.logActivity = function (ev) {
    const said = describe(ev);
    if (!said) return;
    const list = S.$("#activity-log");
    const time = new Date((ev.ts || Date.now() / 1000) * 1000).toLocaleTimeString();
    list.append(S.el("li", {class: said[1], "data-type": ev.type}, `${time}  ${said[0]}`));
    while (list.children.length > 300) list.firstChild.remove();
    list.scrollTop = list.scrollHeight;
  };

  S.clearActivity = () => { S.$("#activity-log").innerHTML = ""; shownKey = null; };
})();
