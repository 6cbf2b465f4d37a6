/* Small DOM helpers shared by every part of the page: element lookup, escaped HTML, number and time formats. */
(function () {
  "use strict";
  const S = window.Studio = window.Studio || {};
  S.boot = JSON.parse(document.getElementById("studio-boot").textContent);

  S.$ = (sel, root) => (root || document).querySelector(sel);
  S.$$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  const ESC = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"};
  S.esc = (value) => String(value === undefined || value === null ? "" : value).replace(/[&<>"']/g, (c) => ESC[c]);

  /** An element from a tag, attributes (on* are listeners) and children (strings become text). */
  S.el = function (tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else if (key === "text") node.textContent = value;
      else if (key === "html") node.innerHTML = value;
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };

  /** Append children to ``node``, leaving out null, undefined and false. */
  S.append = function (node, ...children) {
    for (const child of children.flat()) if (child !== undefined && child !== null && child !== false) node.append(child);
    return node;
  };

  /** Fill the element of ``data-slot=name`` (an HTML string, already escaped where needed). */
  S.slot = function (name, html) {
    for (const node of S.$$(`[data-slot="${name}"]`)) {
      if (node.innerHTML !== html) node.innerHTML = html;
    }
  };

  S.num = function (value, digits) {
    if (value === undefined || value === null || Number.isNaN(Number(value))) return "–";
    const n = Number(value);
    if (digits !== undefined) return n.toFixed(digits);
    return Math.abs(n) >= 1000 ? n.toLocaleString("en") : String(Math.round(n * 100) / 100);
  };

  S.duration = function (seconds) {
    if (seconds === undefined || seconds === null || !isFinite(seconds)) return "–";
    const s = Math.max(0, Math.round(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return h ? `${h}:${String(m).padStart(2, "0")}:${String(r).padStart(2, "0")}` : `${m}:${String(r).padStart(2, "0")}`;
  };

  S.bytes = function (n) {
    if (!n && n !== 0) return "–";
    const units = ["B", "KB", "MB", "GB"];
    let i = 0, v = Number(n);
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return `${v < 10 && i ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
  };

  /** The registry entry of a tool (null when this studio has no such tool). */
  S.tool = (name) => S.boot.tools.find((t) => t.name === name) || null;
  S.label = (tab) => (S.boot.labels && S.boot.labels[tab]) || String(tab).toUpperCase();
})();
