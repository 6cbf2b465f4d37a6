"""The BUILD tab's UI explorer: a running web app crawled in headless Chromium, page by page.

:func:`explore` visits the app's same-origin pages breadth first from its start URL (bounded by a page
count and a time budget), saves a full-page screenshot per page and lists, per page, its HTTP status,
title, visible text, forms (fields with type, name, label, required), components (navigation, buttons,
links, tables with their columns, dialogs, headings, images) and issues (console errors, uncaught
exceptions, failed requests, 4xx/5xx responses, broken links, images without alt text, horizontal
overflow on a phone-sized viewport). It writes ``exploration-report.json`` (schema:
:class:`ExplorationReport`) beside the screenshots, ``screenshots/<repo>/`` in the workspace for the
``explore_ui`` tool. The report feeds the ``uiux`` pair category of PREPARE.

Modules: :mod:`.model` (the report's schema), :mod:`.browser` (Playwright and Debian's Chromium),
:mod:`.dom` (the scripts that read a page), :mod:`.issues` (a page's events, links and DOM as issues),
:mod:`.crawl` (the breadth-first crawl), :mod:`.components` (components across pages), :mod:`.vision`
(screenshots described by a local Qwen2.5-VL, when one can run), :mod:`.explorer` (:func:`explore`) and
:mod:`.tool` (the ``explore_ui`` tool). Importing this package registers the tool; Playwright is imported
only when a crawl starts.
"""

from .browser import CHROMIUM_ARGS, PLAYWRIGHT_PIN, find_chromium
from .explorer import explore
from .model import REPORT_FILE, ComponentSummary, ExplorationReport, Form, FormField, Issue, PageReport
from .tool import ExploredPage, ExploreArgs, ExploreResult, explore_ui
from .vision import Describer, VisionChoice, find_describer

__all__ = ["CHROMIUM_ARGS", "PLAYWRIGHT_PIN", "REPORT_FILE", "ComponentSummary", "Describer", "ExplorationReport",
           "ExploreArgs", "ExploreResult", "ExploredPage", "Form", "FormField", "Issue", "PageReport", "VisionChoice",
           "explore", "explore_ui", "find_chromium", "find_describer"]
