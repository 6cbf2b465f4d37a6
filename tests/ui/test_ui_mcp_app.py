"""The run view as an MCP App: the ui:// resource and the tools that name it, read through a real MCP client
session, and the page rendered in Chromium inside a host frame that speaks the MCP Apps postMessage bridge
and forwards its tool calls to that session."""
from __future__ import annotations

import json

import anyio
import pytest
from mcp import Client
from mcp.server.apps import APP_MIME_TYPE, EXTENSION_ID

from goose_studio.mcp_server import build_server
from goose_studio.tools.build.explore import CHROMIUM_ARGS
from goose_studio.tools.registry import specs
from goose_studio.ui.page import APP_URI
from goose_studio.workspace import Workspace
from ui_helpers import artifacts_dir, chromium_path, waiting_run

HOST_PAGE = """<!doctype html><html><body style="margin:0">
<iframe id="app" sandbox="allow-scripts" style="width:1200px;height:1500px;border:0"></iframe>
<script>
const frame = document.getElementById("app");
window.calls = [];
window.initialized = false;
const reply = (id, result) => frame.contentWindow.postMessage({jsonrpc: "2.0", id, result}, "*");
window.addEventListener("message", async (e) => {
  if (e.source !== frame.contentWindow) return;
  const m = e.data;
  if (!m || m.jsonrpc !== "2.0") return;
  if (m.method === "ui/initialize") {
    reply(m.id, {protocolVersion: m.params.protocolVersion, hostInfo: {name: "test-host", version: "1"},
                 hostCapabilities: {serverTools: {}}, hostContext: {theme: "light"}});
  } else if (m.method === "ui/notifications/initialized") {
    window.initialized = true;
  } else if (m.method === "tools/call") {
    window.calls.push(m.params);
    if (m.params.name === "resume_run") {  // recorded, not forwarded: this run has nothing to resume
      reply(m.id, {content: [{type: "text", text: "recorded by the test host"}], isError: true});
      return;
    }
    reply(m.id, await window.mcpCallTool(m.params.name, m.params.arguments || {}));
  }
});
window.toolResult = (result) => frame.contentWindow.postMessage(
  {jsonrpc: "2.0", method: "ui/notifications/tool-result", params: result}, "*");
</script></body></html>"""


@pytest.fixture
def ws(studio_home) -> Workspace:
    return Workspace.from_env()


def test_the_run_view_is_a_ui_resource_named_by_the_tools_flagged_ui(ws):
    async def read():
        async with Client(build_server(ws)) as client:
            tools = (await client.list_tools()).tools
            resources = (await client.list_resources()).resources
            content = (await client.read_resource(APP_URI)).contents
            return client.server_capabilities, tools, resources, content

    caps, tools, resources, content = anyio.run(read)
    assert EXTENSION_ID in (caps.extensions or {})
    meta = {t.name: (t.meta or {}).get("ui") for t in tools}
    flagged = {s.name for s in specs() if s.ui}
    assert {"learn", "run_status", "resume_run", "pause_training"} <= flagged
    assert {name for name, ui in meta.items() if ui} == flagged
    assert all(meta[name] == {"resourceUri": APP_URI} for name in flagged)
    listed = [r for r in resources if str(r.uri) == APP_URI]
    assert len(listed) == 1 and listed[0].mime_type == APP_MIME_TYPE
    assert content[0].mime_type == APP_MIME_TYPE and '"mode":"mcp"' in content[0].text
    assert "<script" in content[0].text and 'src="' not in content[0].text  # nothing fetched from elsewhere


def test_the_mcp_app_renders_in_chromium_follows_a_run_through_the_host_and_answers_a_guide_card(ws, sample_repo):
    from playwright.async_api import async_playwright

    run_id = waiting_run(ws, str(sample_repo))
    shot = artifacts_dir() / "mcp-app-guide-card.png"

    async def scenario():
        async with Client(build_server(ws)) as client:
            html = (await client.read_resource(APP_URI)).contents[0].text

            async def call(name, arguments):
                result = await client.call_tool(name, arguments)
                return result.model_dump(mode="json", by_alias=True, exclude_none=True)

            async with async_playwright() as pw:
                browser = await pw.chromium.launch(executable_path=chromium_path(), headless=True,
                                                   args=list(CHROMIUM_ARGS))
                try:
                    page = await browser.new_page(viewport={"width": 1220, "height": 1500})
                    await page.expose_function("mcpCallTool", call)
                    await page.set_content(HOST_PAGE)
                    await page.eval_on_selector("#app", "(f, html) => { f.srcdoc = html; }", html)
                    await page.wait_for_function("window.initialized === true", timeout=20_000)
                    status = await call("run_status", {"run_id": run_id})
                    await page.evaluate("r => window.toolResult(r)", status)
                    app = page.frame_locator("#app")
                    card = app.locator('[data-card="guide"]')
                    await card.wait_for(timeout=20_000)
                    label = await app.locator("#run-label").text_content()
                    buttons = await card.locator("button[data-choice]").all_text_contents()
                    said = await card.inner_text()
                    await page.screenshot(path=str(shot), full_page=True)
                    await card.locator('button[data-choice="retry"]').click()
                    await page.wait_for_function(
                        "window.calls.some(c => c.name === 'resume_run')", timeout=10_000)
                    calls = await page.evaluate("window.calls")
                finally:
                    await browser.close()
        return label, buttons, said, calls

    label, buttons, said, calls = anyio.run(scenario)
    assert label == run_id
    assert buttons == ["Use another source", "Retry"]
    assert "The folder does not exist." in said and "null" not in said
    assert {"name": "run_status", "arguments": {"run_id": run_id, "events": 200}} in calls
    assert calls[-1] == {"name": "resume_run", "arguments": {"run_id": run_id, "answer": "retry"}}
    assert shot.stat().st_size > 10_000
    print(json.dumps({"mcp_app_screenshot": str(shot)}))
