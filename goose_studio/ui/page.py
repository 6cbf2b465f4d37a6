"""The studio's one page: HTML, styles and scripts shipped in ``static/``, put together into a single document.

The same document serves both hosts. ``goose-studio ui`` sends it with ``mode: http`` (the page talks to the
studio's HTTP API and follows a run by server-sent events); the MCP server serves it as the ``ui://`` resource
:data:`APP_URI` with ``mode: mcp`` (the page talks to the host through the MCP Apps postMessage bridge, and
the host forwards its tool calls). Everything the page needs to draw its controls is put into it as boot
data: the registry's tools with their input schemas, the Quick Recipes and the presets, so that a control is
derived from the tool it calls and a new tool shows up without a change here. Nothing is fetched from
elsewhere: no build step, no library, no network.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

from ..events import TAB_LABELS, TABS

#: The run view as an MCP Apps resource (``text/html;profile=mcp-app``).
APP_URI = "ui://goose-studio/studio.html"
#: The scripts of the page, in the order they are put into it (each adds to ``window.Studio``).
SCRIPTS = ("dom.js", "bridge.js", "state.js", "charts.js", "forms.js", "cards.js", "tab_source.js", "tab_build.js",
           "tab_train.js", "tab_test.js", "tab_publish.js", "main.js")
#: Environment variables whose presence (never their value) the page is told, to offer what they allow.
TOKENS = {"hf_token": ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"), "github_token": ("GITHUB_TOKEN",)}

Mode = Literal["http", "mcp"]


@lru_cache(maxsize=None)
def static_text(name: str) -> str:
    """A file of the page's ``static/`` folder (package data)."""
    return resources.files(__package__).joinpath("static", name).read_text(encoding="utf-8")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("goose-studio")
    except Exception:
        return "0"


def tool_entries() -> list[dict[str, Any]]:
    """Every registry tool as the page sees it: name, tab, flags, description and input schema."""
    from ..tools.registry import specs

    return [{"name": s.name, "tab": s.tab, "title": s.label, "description": s.description,
             "read_only": s.read_only, "destructive": s.destructive, "starts_worker": s.starts_worker,
             "ui": s.ui, "input_schema": s.input_schema()} for s in specs()]


def recipe_entries() -> list[dict[str, Any]]:
    """The Quick Recipes: name, title, what it gives, whether it needs a source, and its estimates."""
    from ..recipes.quick import quick_recipes

    rows = []
    for r in quick_recipes().values():
        s = r.studio
        rows.append({"name": r.name, "title": s.title, "summary": s.summary, "result": s.result,
                     "needs_source": s.data.needs_source, "data": s.data.kind, "model": s.model,
                     "method": s.method, "speed": s.speed, "minutes": s.estimate.minutes,
                     "vram_gb": s.estimate.vram_gb})
    return rows


def preset_entries() -> list[dict[str, Any]]:
    """The training presets: name, summary, description; the default one first."""
    from ..presets import DEFAULT_PRESET, presets

    rows = [{"name": p.name, "summary": p.summary, "description": p.description, "default": p.name == DEFAULT_PRESET}
            for p in presets().values()]
    return sorted(rows, key=lambda r: not r["default"])


def boot_data(mode: Mode) -> dict[str, Any]:
    """What the page is given when it loads (see the module's docstring)."""
    tokens = {key: any(os.environ.get(v) for v in names) for key, names in TOKENS.items()}
    return {"mode": mode, "version": _version(), "tabs": list(TABS), "labels": TAB_LABELS, "tools": tool_entries(),
            "recipes": recipe_entries(), "presets": preset_entries(), "tokens": tokens, "app_uri": APP_URI}


def _json_for_script(data: Any) -> str:
    """JSON that can sit inside a ``<script>`` element (no ``</script>``, no HTML comment opener)."""
    return json.dumps(data, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026")


def page_html(mode: Mode, nonce: str | None = None, boot: dict[str, Any] | None = None) -> str:
    """The whole page as one HTML document: styles, scripts and boot data inline.

    ``nonce`` marks the inline style and scripts for a Content-Security-Policy that allows only them.
    """
    attr = f' nonce="{nonce}"' if nonce else ""
    scripts = "\n".join(f"<script{attr}>\n{static_text('js/' + name)}\n</script>" for name in SCRIPTS)
    data = _json_for_script(boot if boot is not None else boot_data(mode))
    return (static_text("index.html")
            .replace("<!--STYLE-->", f"<style{attr}>\n{static_text('studio.css')}\n</style>")
            .replace("<!--BOOT-->", f'<script id="studio-boot" type="application/json">{data}</script>')
            .replace("<!--SCRIPTS-->", scripts))
