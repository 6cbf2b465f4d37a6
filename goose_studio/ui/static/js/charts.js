/* Charts drawn by the page itself: the loss curve on a canvas, bars for counts, and progress meters. */
(function () {
  "use strict";
  const S = window.Studio;

  function niceTicks(lo, hi, count) {
    const span = hi - lo || 1;
    const raw = span / Math.max(1, count);
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
    const ticks = [];
    for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
    return ticks;
  }

  function color(name, fallback) {
    const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return value || fallback;
  }

  /** Draw ``points`` ([step, loss] pairs) as a line with axes; the canvas keeps its CSS size, sharp on HiDPI. */
  S.drawLoss = function (canvas, points) {
    const ratio = window.devicePixelRatio || 1;
    const cssW = canvas.clientWidth || canvas.width, cssH = Math.round(cssW * 0.36) || canvas.height;
    if (canvas.width !== Math.round(cssW * ratio) || canvas.height !== Math.round(cssH * ratio)) {
      canvas.width = Math.round(cssW * ratio);
      canvas.height = Math.round(cssH * ratio);
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const ink = color("--muted", "#667085"), line = color("--line", "#dde1e8"), accent = color("--accent", "#2b6cb0");
    const pad = {l: 48, r: 14, t: 12, b: 30};
    const w = cssW - pad.l - pad.r, h = cssH - pad.t - pad.b;
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = ink;
    canvas.dataset.points = String(points.length);
    if (!points.length) {
      ctx.fillText("waiting for the first logged loss…", pad.l, pad.t + h / 2);
      return;
    }
    const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
    let x0 = Math.min(...xs), x1 = Math.max(...xs);
    if (x0 === x1) { x0 -= 1; x1 += 1; }
    let y0 = Math.min(0, ...ys), y1 = Math.max(...ys);
    if (y0 === y1) y1 = y0 + 1;
    y1 += (y1 - y0) * 0.08;
    const X = (v) => pad.l + ((v - x0) / (x1 - x0)) * w;
    const Y = (v) => pad.t + h - ((v - y0) / (y1 - y0)) * h;
    ctx.strokeStyle = line;
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of niceTicks(y0, y1, 4)) {
      if (t < y0 || t > y1) continue;
      ctx.beginPath(); ctx.moveTo(pad.l, Y(t)); ctx.lineTo(pad.l + w, Y(t)); ctx.stroke();
      ctx.fillText(t.toFixed(t < 10 ? 1 : 0), pad.l - 6, Y(t));
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of niceTicks(x0, x1, 6)) {
      if (t < x0 || t > x1 || Math.round(t) !== t) continue;
      ctx.fillText(String(t), X(t), pad.t + h + 6);
    }
    ctx.fillText("steps", pad.l + w / 2, pad.t + h + 18);
    ctx.strokeStyle = ink;
    ctx.beginPath(); ctx.moveTo(pad.l, pad.t); ctx.lineTo(pad.l, pad.t + h); ctx.lineTo(pad.l + w, pad.t + h); ctx.stroke();
    ctx.strokeStyle = accent;
    ctx.lineWidth = 2;
    ctx.beginPath();
    points.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
    ctx.stroke();
    ctx.fillStyle = accent;
    for (const [x, y] of points.length <= 60 ? points : [points[points.length - 1]]) {
      ctx.beginPath(); ctx.arc(X(x), Y(y), 2.5, 0, 2 * Math.PI); ctx.fill();
    }
  };

  /** Horizontal bars for {label: count}: HTML (label, bar, number), largest first. */
  S.bars = function (counts, labels) {
    const rows = Object.entries(counts || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
    if (!rows.length) return '<p class="muted">No pairs yet.</p>';
    const top = rows[0][1];
    return '<div class="bars" role="list">' + rows.map(([k, n]) =>
      `<span role="listitem">${S.esc((labels && labels[k]) || k)}</span>` +
      `<div class="b" style="width:${Math.max(1, Math.round((100 * n) / top))}%"></div>` +
      `<span class="n">${S.num(n)}</span>`).join("") + "</div>";
  };

  /** Set a ``.progress`` element: a fraction (null: indeterminate while running) and a label. */
  S.setProgress = function (node, frac, label, running) {
    if (!node) return;
    const bar = S.$(".bar", node);
    bar.classList.toggle("indeterminate", frac === null && !!running);
    S.$(".bar i", node).style.width = `${Math.round(100 * (frac || 0))}%`;
    S.$(".label", node).textContent = label || "";
    node.dataset.frac = frac === null ? "" : String(frac);
  };
})();
