import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

SAMPLE_MODULES = {
    "inventory/__init__.py": '''
        """Inventory: stock levels, reservations and reorder rules for a small shop."""
        from .stock import Stock, StockError
        from .rules import ReorderRule
    ''',
    "inventory/stock.py": '''
        """Stock levels per item, with reservations that hold items for pending orders."""
        from dataclasses import dataclass, field


        class StockError(Exception):
            """Raised when a stock operation would break an invariant."""


        @dataclass
        class Stock:
            """Counts of items on hand and reserved, keyed by SKU."""

            on_hand: dict = field(default_factory=dict)
            reserved: dict = field(default_factory=dict)

            def receive(self, sku: str, quantity: int) -> int:
                """Add delivered items to the shelf and return the new on-hand count."""
                if quantity <= 0:
                    raise StockError(f"quantity must be positive, got {quantity}")
                self.on_hand[sku] = self.on_hand.get(sku, 0) + quantity
                return self.on_hand[sku]

            def reserve(self, sku: str, quantity: int) -> None:
                """Hold items for an order so they cannot be sold twice."""
                if self.available(sku) < quantity:
                    raise StockError(f"only {self.available(sku)} of {sku} available")
                self.reserved[sku] = self.reserved.get(sku, 0) + quantity

            def release(self, sku: str, quantity: int) -> None:
                """Give back a reservation that will not be shipped."""
                held = self.reserved.get(sku, 0)
                if quantity > held:
                    raise StockError(f"cannot release {quantity}; {held} reserved")
                self.reserved[sku] = held - quantity

            def available(self, sku: str) -> int:
                """Items that can still be promised: on hand minus reserved."""
                return self.on_hand.get(sku, 0) - self.reserved.get(sku, 0)

            def ship(self, sku: str, quantity: int) -> None:
                """Remove reserved items from the shelf when the parcel leaves."""
                self.release(sku, quantity)
                self.on_hand[sku] -= quantity
    ''',
    "inventory/rules.py": '''
        """Reorder rules: when stock falls below a threshold, order a fixed batch."""
        from .stock import Stock


        class ReorderRule:
            """Order ``batch`` units of ``sku`` when fewer than ``threshold`` are available."""

            def __init__(self, sku: str, threshold: int, batch: int) -> None:
                if threshold < 0 or batch <= 0:
                    raise ValueError("threshold must be >= 0 and batch > 0")
                self.sku = sku
                self.threshold = threshold
                self.batch = batch

            def due(self, stock: Stock) -> bool:
                """True when the available count is below the threshold."""
                return stock.available(self.sku) < self.threshold

            def order_size(self, stock: Stock) -> int:
                """How many units to order now (0 when no order is due)."""
                return self.batch if self.due(stock) else 0


        def plan_orders(rules: list, stock: Stock) -> dict:
            """Map each SKU whose rule is due to the number of units to order."""
            return {r.sku: r.order_size(stock) for r in rules if r.due(stock)}
    ''',
    "inventory/pricing.py": '''
        """Prices with discounts and tax, in integer cents to avoid rounding drift."""


        def to_cents(amount: str) -> int:
            """Parse a decimal string such as '12.50' into cents."""
            whole, _, frac = amount.partition(".")
            if not whole.lstrip("-").isdigit() or (frac and not frac.isdigit()):
                raise ValueError(f"not a price: {amount!r}")
            return int(whole) * 100 + int((frac + "00")[:2])


        def apply_discount(cents: int, percent: int) -> int:
            """Reduce a price by a whole-number percentage, rounding down."""
            if not 0 <= percent <= 100:
                raise ValueError("percent must be between 0 and 100")
            return cents * (100 - percent) // 100


        def add_tax(cents: int, rate_per_mille: int) -> int:
            """Add tax given in tenths of a percent (e.g. 190 for 19%)."""
            return cents + (cents * rate_per_mille + 500) // 1000


        def format_price(cents: int, currency: str = "EUR") -> str:
            """Render cents as '12.50 EUR'."""
            sign = "-" if cents < 0 else ""
            cents = abs(cents)
            return f"{sign}{cents // 100}.{cents % 100:02d} {currency}"
    ''',
    "inventory/report.py": '''
        """Plain-text reports of stock and pending orders."""
        from .pricing import format_price
        from .stock import Stock


        def stock_table(stock: Stock) -> str:
            """One line per SKU: on hand, reserved, available."""
            lines = ["sku on_hand reserved available"]
            for sku in sorted(stock.on_hand):
                lines.append(f"{sku} {stock.on_hand[sku]} {stock.reserved.get(sku, 0)} {stock.available(sku)}")
            return "\\n".join(lines)


        def order_summary(orders: dict, unit_prices: dict) -> str:
            """Total cost of planned orders, one line per SKU and a total line."""
            total = 0
            lines = []
            for sku, qty in sorted(orders.items()):
                cost = qty * unit_prices[sku]
                total += cost
                lines.append(f"{sku}: {qty} x {format_price(unit_prices[sku])}")
            lines.append(f"total: {format_price(total)}")
            return "\\n".join(lines)
    ''',
    "tests/test_stock.py": '''
        import pytest

        from inventory.stock import Stock, StockError


        def test_receive_adds_to_on_hand():
            s = Stock()
            assert s.receive("A", 3) == 3


        def test_reserve_more_than_available_fails():
            s = Stock()
            s.receive("A", 1)
            with pytest.raises(StockError):
                s.reserve("A", 2)
    ''',
    "tests/test_pricing.py": '''
        from inventory.pricing import apply_discount, to_cents


        def test_to_cents():
            assert to_cents("12.5") == 1250


        def test_discount_rounds_down():
            assert apply_discount(999, 10) == 899
    ''',
    "README.md": '''
        # inventory

        A small stock-keeping library: stock levels, reservations, reorder rules, prices and reports.
    ''',
}


def write_sample_repo(root: Path, git: bool = True) -> Path:
    """A small real Python project (5 modules, tests) made on disk, optionally as a git repo."""
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in SAMPLE_MODULES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    if git:
        run = lambda *a: subprocess.run(["git", *a], cwd=root, check=True, capture_output=True)
        run("init", "-q", "-b", "main")
        run("add", "-A")
        run("-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "initial")
    return root


@pytest.fixture(autouse=True)
def _never_the_users_home(tmp_path_factory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test gets a throwaway GOOSE_STUDIO_HOME unless it sets its own."""
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(tmp_path_factory.mktemp("default-home")))


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    return write_sample_repo(tmp_path / "inventory")


@pytest.fixture
def studio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "studio-home"
    monkeypatch.setenv("GOOSE_STUDIO_HOME", str(home))
    return home


def studio_cli() -> list[str]:
    exe = Path(sys.executable).with_name("goose-studio")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "goose_studio.cli"]


def free_port() -> int:
    """A loopback port nothing listens on (free when asked)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def studio_env(home: Path, **extra: str) -> dict[str, str]:
    """This environment for a studio subprocess on ``home`` (without an MCP token of the user's)."""
    env = {k: v for k, v in os.environ.items() if k != "GOOSE_STUDIO_MCP_TOKEN"}
    return {**env, "GOOSE_STUDIO_HOME": str(home), "HF_HUB_OFFLINE": "1", **extra}


def start_mcp_http(home: Path, port: int, quiet: bool = False, **env: str) -> subprocess.Popen:
    """`goose-studio mcp --http` on 127.0.0.1:``port``, returned once it accepts connections.

    ``quiet`` discards the server's output (for long runs, where nobody reads the pipe)."""
    proc = subprocess.Popen([*studio_cli(), "mcp", "--http", "--port", str(port)], env=studio_env(home, **env),
                            stdout=subprocess.DEVNULL if quiet else subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            said = "" if quiet else f": {proc.stdout.read()}"
            pytest.fail(f"the HTTP server exited with {proc.returncode}{said}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc
        except OSError:
            time.sleep(0.1)  # polling for the server to accept connections
    proc.kill()
    pytest.fail("the HTTP server did not accept connections within 60 s")


def stop_process_group(proc: subprocess.Popen) -> None:
    """SIGTERM the process group ``proc`` leads; SIGKILL it after 20 s."""
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
def local_server():
    """Start real loopback servers that speak /v1/chat/completions (see llm_server.py); closed after the test."""
    from llm_server import LocalServer

    servers = []

    def start(reply):
        server = LocalServer(reply)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()
