"""What a loaded page's DOM says: the scripts run in the page, and their results turned into report models.

:data:`FACTS_JS` collects the title, the visible text, headings, landmarks, navigation menus, links,
buttons, forms (fields with their type, name, label and whether they are required), tables (caption,
columns, rows), dialogs and images (with their alt text), and the page's longer words. :data:`OVERFLOW_JS`
measures whether the page is wider than its viewport and which element sticks out first; :data:`MASK_JS`
replaces the words that look like secrets (:func:`secret_words`) in the page before its screenshot.
:func:`page_facts` turns the first one's result into :class:`~.model.Form` and
:class:`~.model.PageComponents`, links as paths when they are same-origin; every text goes through secret
redaction.
"""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import urlsplit

from .model import Button, Dialog, Form, FormField, Heading, Image, Link, NavMenu, PageComponents, Table

MAX_LINKS = 300
MAX_ITEMS = 60

FACTS_JS = r"""
(limits) => {
  const clean = (s) => (s || '').replace(/\s+/g, ' ').trim();
  const cut = (s, n) => { s = clean(s); return s.length > n ? s.slice(0, n - 1) + '…' : s; };
  const visible = (el) => el.checkVisibility ? el.checkVisibility() : !!(el.offsetWidth || el.offsetHeight);
  const textOf = (el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('input, select, textarea, script, style').forEach((x) => x.remove());
    return clean(copy.textContent);
  };
  const byIds = (ids) => clean((ids || '').split(/\s+/).map((id) => document.getElementById(id))
    .filter(Boolean).map((e) => e.textContent).join(' '));
  const labelOf = (el) => {
    const aria = clean(el.getAttribute('aria-label'));
    if (aria) return aria;
    const by = byIds(el.getAttribute('aria-labelledby'));
    if (by) return by;
    if (el.labels && el.labels.length) {
      const t = clean(Array.from(el.labels).map(textOf).join(' '));
      if (t) return t;
    }
    return clean(el.getAttribute('title')) || null;
  };
  const nameOf = (el) => clean(el.getAttribute('aria-label')) || byIds(el.getAttribute('aria-labelledby')) ||
    clean((el.querySelector('legend, h1, h2, h3, h4, h5, h6') || {}).textContent) || null;
  const linkOf = (a) => ({
    text: cut(a.innerText || a.getAttribute('aria-label') || a.getAttribute('title') ||
      Array.from(a.querySelectorAll('img[alt]')).map((i) => i.alt).join(' '), 120),
    href: a.href, in_nav: !!a.closest('nav, [role=navigation]'),
  });
  const buttonText = (b) => cut(b.innerText || b.value || b.getAttribute('aria-label') || b.getAttribute('title'), 80);
  const SKIP_TYPES = new Set(['hidden', 'submit', 'button', 'reset', 'image']);
  const fieldsOf = (elements) => {
    const out = [];
    const radios = {};
    for (const el of elements) {
      const tag = el.tagName.toLowerCase();
      if (!['input', 'select', 'textarea'].includes(tag)) continue;
      const type = tag === 'input' ? (el.getAttribute('type') || 'text').toLowerCase() : tag;
      if (SKIP_TYPES.has(type)) continue;
      const required = !!el.required || el.getAttribute('aria-required') === 'true';
      if (type === 'radio' && el.name) {
        const group = radios[el.name];
        const choice = labelOf(el) || el.value;
        if (group) { group.options.push(cut(choice, 60)); group.required = group.required || required; continue; }
        const fieldset = el.closest('fieldset');
        const legend = fieldset ? clean((fieldset.querySelector('legend') || {}).textContent) : '';
        radios[el.name] = { tag, type, name: el.name, label: legend || null, placeholder: null, required,
          options: [cut(choice, 60)] };
        out.push(radios[el.name]);
        continue;
      }
      const options = tag === 'select' ? Array.from(el.options).slice(0, 30).map((o) => cut(o.text, 60)) : [];
      out.push({ tag, type, name: el.getAttribute('name') || el.id || null, label: labelOf(el),
        placeholder: clean(el.getAttribute('placeholder')) || null, required, options });
    }
    return out;
  };
  const submitsOf = (form) => Array.from(form.querySelectorAll('button, input[type=submit], input[type=image]'))
    .filter((b) => b.tagName.toLowerCase() !== 'button' || (b.getAttribute('type') || 'submit') === 'submit')
    .map(buttonText).filter(Boolean);
  const forms = Array.from(document.forms).slice(0, limits.items).map((f) => ({
    name: nameOf(f) || f.id || f.getAttribute('name') || null,
    action: f.getAttribute('action') === null ? null : f.action,
    method: (f.getAttribute('method') || 'get').toLowerCase(),
    fields: fieldsOf(Array.from(f.elements)), submit: submitsOf(f), standalone: false,
  }));
  const loose = fieldsOf(Array.from(document.querySelectorAll('input, select, textarea')).filter((el) => !el.form));
  if (loose.length) {
    forms.push({ name: null, action: null, method: 'get', fields: loose, submit: [], standalone: true });
  }

  const all = (sel) => Array.from(document.querySelectorAll(sel));
  const landmarks = [];
  for (const [name, sel] of [['header', 'header, [role=banner]'], ['nav', 'nav, [role=navigation]'],
    ['main', 'main, [role=main]'], ['sidebar', 'aside, [role=complementary]'],
    ['footer', 'footer, [role=contentinfo]']]) {
    if (all(sel).some(visible)) landmarks.push(name);
  }
  const nav = all('nav, [role=navigation]').filter(visible).slice(0, 10).map((n) => ({
    label: nameOf(n), items: Array.from(n.querySelectorAll('a[href]')).slice(0, 40).map(linkOf) }));
  const headings = all('h1, h2, h3, h4, h5, h6').filter(visible).slice(0, limits.items)
    .map((h) => ({ level: Number(h.tagName[1]), text: cut(h.innerText, 160) })).filter((h) => h.text);
  const buttons = all('button, [role=button], input[type=submit], input[type=button], input[type=reset]')
    .filter(visible).slice(0, limits.items)
    .map((b) => ({ text: buttonText(b), type: (b.getAttribute('type') || (b.tagName === 'BUTTON' ? 'submit' : null)),
      disabled: !!b.disabled || b.getAttribute('aria-disabled') === 'true' })).filter((b) => b.text);
  const links = all('a[href]').slice(0, limits.links).map(linkOf)
    .filter((l) => /^https?:/i.test(l.href));
  const tables = all('table, [role=table], [role=grid]').filter(visible).slice(0, 20).map((t) => {
    let columns = [];
    let rows = 0;
    if (t.tagName === 'TABLE') {
      const head = t.tHead && t.tHead.rows.length ? t.tHead.rows[0] : (t.rows[0] || null);
      if (head) columns = Array.from(head.cells).map((c) => cut(c.innerText, 60));
      rows = t.tBodies.length ? Array.from(t.tBodies).reduce((n, b) => n + b.rows.length, 0) : t.rows.length;
      if (!t.tHead && head && head.querySelector('th')) rows = Math.max(0, rows - 1);
    } else {
      columns = Array.from(t.querySelectorAll('[role=columnheader]')).map((c) => cut(c.innerText, 60));
      rows = Math.max(0, t.querySelectorAll('[role=row]').length - 1);
    }
    const caption = clean((t.caption || {}).textContent) || clean(t.getAttribute('aria-label')) || null;
    return { caption, columns, rows };
  });
  const dialogs = all('dialog, [role=dialog], [role=alertdialog]').slice(0, 20).map((d) => ({
    label: nameOf(d), role: d.tagName === 'DIALOG' ? 'dialog' : d.getAttribute('role'), open: visible(d) }));
  const images = all('img').slice(0, limits.items * 2).map((i) => ({
    src: i.currentSrc || i.src || '', alt: i.hasAttribute('alt') ? i.getAttribute('alt') : null,
    decorative: ['presentation', 'none'].includes(i.getAttribute('role')) || i.getAttribute('aria-hidden') === 'true',
    width: Math.round(i.getBoundingClientRect().width), height: Math.round(i.getBoundingClientRect().height) }));
  const body = document.body ? document.body.innerText : '';
  const words = Array.from(new Set(body.slice(0, 200000).split(/\s+/).filter((w) => w.length >= 8))).slice(0, 5000);
  return { title: clean(document.title), text: cut(body, limits.text), words, forms,
    components: { landmarks, nav, headings, buttons, links, tables, dialogs, images } };
}
"""

OVERFLOW_JS = r"""
() => {
  const de = document.documentElement;
  const width = de.clientWidth;
  const scroll = Math.max(de.scrollWidth, document.body ? document.body.scrollWidth : 0);
  if (scroll <= width + 1) return { width, scroll, culprit: null };
  let culprit = null;
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > width + 1) {
      const id = el.id ? '#' + el.id : '';
      const cls = typeof el.className === 'string' && el.className.trim() ?
        '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '';
      culprit = { element: el.tagName.toLowerCase() + id + cls, width: Math.round(r.width),
        right: Math.round(r.right) };
      break;
    }
  }
  return { width, scroll, culprit };
}
"""


MASK_JS = r"""
(secrets) => {
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  let masked = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    let text = node.nodeValue;
    for (const s of secrets) {
      if (text.includes(s)) { text = text.split(s).join('[REDACTED]'); masked += 1; }
    }
    if (text !== node.nodeValue) node.nodeValue = text;
  }
  return masked;
}
"""


def secret_words(raw: dict[str, Any], scrub: Callable[[str], str]) -> list[str]:
    """The words of the page's text that redaction would hide (masked on the page before its screenshot)."""
    return [w for w in raw.get("words") or [] if isinstance(w, str) and scrub(w) != w]


def limits(text_chars: int) -> dict[str, int]:
    """The bounds handed to :data:`FACTS_JS`."""
    return {"text": text_chars, "items": MAX_ITEMS, "links": MAX_LINKS}


def local_href(url: str, origin: str) -> tuple[str, bool]:
    """A link as the report writes it: its path (and query) when same-origin, else the URL itself."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}".lower() == origin.lower():
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else ""), True
    return url, False


def page_facts(raw: dict[str, Any], origin: str,
               scrub: Callable[[str], str]) -> tuple[str, str, list[Form], PageComponents]:
    """Title, text, forms and components of a page from :data:`FACTS_JS`'s result."""

    def s(value: Any) -> str | None:
        return scrub(str(value)) if value not in (None, "") else None

    def link(item: dict[str, Any]) -> Link:
        href, same = local_href(str(item.get("href") or ""), origin)
        return Link(text=s(item.get("text")) or "", href=scrub(href), same_origin=same, in_nav=bool(item.get("in_nav")))

    forms = []
    for f in raw.get("forms") or []:
        action = f.get("action")
        forms.append(Form(
            name=s(f.get("name")), action=scrub(local_href(action, origin)[0]) if action else None,
            method=str(f.get("method") or "get"), standalone=bool(f.get("standalone")),
            submit=[scrub(x) for x in f.get("submit") or []],
            fields=[FormField(tag=x["tag"], type=str(x.get("type") or x["tag"]), name=s(x.get("name")),
                              label=s(x.get("label")), placeholder=s(x.get("placeholder")),
                              required=bool(x.get("required")), options=[scrub(o) for o in x.get("options") or []])
                    for x in f.get("fields") or []],
        ))
    c = raw.get("components") or {}
    components = PageComponents(
        landmarks=list(c.get("landmarks") or []),
        nav=[NavMenu(label=s(n.get("label")), items=[link(i) for i in n.get("items") or []])
             for n in c.get("nav") or []],
        headings=[Heading(level=h["level"], text=scrub(h["text"])) for h in c.get("headings") or []],
        buttons=[Button(text=scrub(b["text"]), type=b.get("type"), disabled=bool(b.get("disabled")))
                 for b in c.get("buttons") or []],
        links=[link(i) for i in c.get("links") or []],
        tables=[Table(caption=s(t.get("caption")), columns=[scrub(x) for x in t.get("columns") or []],
                      rows=int(t.get("rows") or 0)) for t in c.get("tables") or []],
        dialogs=[Dialog(label=s(d.get("label")), role=str(d.get("role") or "dialog"), open=bool(d.get("open")))
                 for d in c.get("dialogs") or []],
        images=[Image(src=scrub(local_href(str(i.get("src") or ""), origin)[0]),
                      alt=None if i.get("alt") is None else scrub(str(i["alt"])),
                      decorative=bool(i.get("decorative")), width=int(i.get("width") or 0),
                      height=int(i.get("height") or 0)) for i in c.get("images") or []],
    )
    return scrub(str(raw.get("title") or "")), scrub(str(raw.get("text") or "")), forms, components
