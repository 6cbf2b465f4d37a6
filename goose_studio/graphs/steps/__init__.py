"""The Step agent: what each tab does, one module per tab.

Each tab module has ``body(state, opts, ctx, paths)`` — the tab's tool calls, with their args models,
returning the tab's result model (a tool's failure propagates as ``ToolFailure``) — and ``summary(result)``,
the payload of its ``step.<tab>.complete`` event. A tab whose result can still fail its bar has
``verdict(result, opts)`` (TEST: the core must beat its base).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any, Callable

from pydantic import BaseModel

from ...errors import ToolFailure
from ...events import TABS
from ...options import RunOptions
from . import build, prepare, publish, source, test, train

Body = Callable[..., BaseModel]
STEPS: dict[str, ModuleType] = {"source": source, "build": build, "prepare": prepare, "train": train, "test": test,
                                "publish": publish}
assert tuple(STEPS) == TABS, "one step module per tab, in order"


def body(tab: str) -> Body:
    return STEPS[tab].body


def verdict(tab: str, result: BaseModel, opts: RunOptions) -> ToolFailure | None:
    """The failure of a step that ran but whose result does not pass its bar, if it has one."""
    check = getattr(STEPS[tab], "verdict", None)
    return check(result, opts) if check is not None else None


def summary(tab: str, result: Any) -> dict[str, Any]:
    return STEPS[tab].summary(result)
