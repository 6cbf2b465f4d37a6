"""Small web sites served on loopback for the explorer's tests, and the requests they saw.

:class:`Site` serves a dict of routes (path -> status, content type, body) from a thread, on a free
127.0.0.1 port, and records every request's method and path. :func:`shop_site` is a static site with
several pages: a broken link, an image without alt text, a console error, an uncaught exception, a form
with labels, a table, a dialog, a page that overflows on a phone, a page answering 500, a log-out link, a
secret in a page's text, and links, a script and an image pointing at a second server (another origin)
that must never be asked.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

# a 1x1 PNG
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
HTML = "text/html; charset=utf-8"
SECRET = "sk-proj-Zq3xV9mK2pL7nR4tW8yB1cD5fG6hJ0aE"  # shown on a page; never in the report

Route = tuple[int, str, bytes]


class Site:
    """A loopback HTTP server for a fixed set of routes; unknown paths answer 404."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = routes
        self.requests: list[tuple[str, str]] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: bool) -> None:
                site.requests.append((self.command, self.path))
                status, kind, data = site.routes.get(self.path, (404, HTML, b"<h1>Not found</h1>"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                self._answer(True)

            def do_HEAD(self) -> None:  # noqa: N802
                self._answer(False)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def got(self, method: str = "GET") -> list[str]:
        return [path for m, path in self.requests if m == method]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def page(title: str, body: str, head: str = "", nav: bool = True) -> Route:
    """An HTML page with a header (holding the shop's navigation unless ``nav`` is false) and a footer."""
    menu = ('<nav aria-label="Main"><a href="/">Home</a> <a href="/about">About</a> <a href="/login">Sign in</a> '
            '<a href="/users">Team</a> <a href="/wide">Pricing</a></nav>') if nav else ""
    html = (f"<!doctype html><html><head><meta charset=utf-8><title>{title}</title>"
            f'<meta name="viewport" content="width=device-width">{head}</head>'
            f"<body><header>{menu}</header><main>{body}</main><footer>Shop footer</footer></body></html>")
    return 200, HTML, html.encode()


def shop_site(other: str) -> dict[str, Route]:
    """The routes of the test shop; ``other`` is the URL of a server on another origin."""
    return {
        "/": page("Shop home", f"""
            <h1>Welcome to the shop</h1>
            <p>Fresh coffee beans roasted every week.</p>
            <img src="/logo.png" width="40" height="40">
            <img src="/beans.png" alt="A bag of beans">
            <img src="{other}/tracker.png" alt="tracker">
            <a href="/missing">Old offers</a> <a href="/error">Status</a> <a href="/logout">Log out</a>
            <a href="{other}/elsewhere">Partner site</a>
            <button type="button">Subscribe</button>
            <script>console.error("cart service unreachable");</script>"""),
        "/about": page("About us", """
            <h1>About us</h1><p>We are a small roastery. Meet <a href="/team">the team</a>.</p>
            <img src="/gone.png" alt="Our roastery">
            <script src="https://cdn.invalid/analytics.js"></script>"""),
        "/team": page("The team", f"<h1>The team</h1><p>Ada roasts, Bob ships.</p><p>Support key: {SECRET}</p>"),
        "/login": page("Sign in", """
            <h1>Sign in</h1>
            <form id="signin" aria-label="Sign in" action="/session" method="post">
              <label for="email">Email address</label><input id="email" name="email" type="email" required>
              <label>Password <input name="password" type="password" required></label>
              <label><input name="remember" type="checkbox"> Remember me</label>
              <label for="country">Country</label>
              <select id="country" name="country"><option>Germany</option><option>France</option></select>
              <button type="submit">Sign in</button>
            </form>
            <dialog id="help" aria-label="Help"><p>Call us</p></dialog>"""),
        "/users": page("Team members", """
            <h1>Team members</h1>
            <table><caption>Staff</caption><thead><tr><th>Name</th><th>Email</th><th>Role</th></tr></thead>
            <tbody><tr><td>Ada</td><td>ada@shop.test</td><td>Roaster</td></tr>
            <tr><td>Bob</td><td>bob@shop.test</td><td>Shipping</td></tr></tbody></table>
            <script>window.addEventListener('load', () => { missingFunction(); });</script>"""),
        "/wide": page("Pricing", """
            <h1>Pricing</h1><div class="price-grid" style="width: 900px; display: flex">
            <div style="width: 300px">Small</div><div style="width: 300px">Medium</div>
            <div style="width: 300px">Large</div></div>"""),
        "/error": (500, HTML, b"<!doctype html><title>Server error</title><h1>Something broke</h1>"),
        "/logout": page("Logged out", "<p>Bye</p>"),
        "/logo.png": (200, "image/png", PIXEL),
        "/beans.png": (200, "image/png", PIXEL),
    }


def chain_site(n: int) -> dict[str, Route]:
    """``n`` pages in a row plus a hub linking to all of them: / links /p1 ... /p<n>."""
    links = " ".join(f'<a href="/p{i}">Page {i}</a>' for i in range(1, n + 1))
    routes = {"/": page("Hub", f"<h1>Hub</h1>{links}", nav=False)}
    for i in range(1, n + 1):
        routes[f"/p{i}"] = page(f"Page {i}", f"<h1>Page {i}</h1><p>Text of page {i}.</p>", nav=False)
    return routes


@pytest.fixture(scope="module")
def other_site():
    site = Site({"/tracker.png": (200, "image/png", PIXEL), "/elsewhere": page("Elsewhere", "<p>x</p>")})
    yield site
    site.close()


@pytest.fixture(scope="module")
def shop(other_site):
    site = Site(shop_site(other_site.url))
    yield site
    site.close()


def png_size(path) -> tuple[int, int]:
    """Width and height of a PNG file, from its header (fails on anything that is not a PNG)."""
    data = open(path, "rb").read(24)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
