"""A tiny event and hook registry.

Stores announce changes by emitting events; any code can subscribe with a
decorator::

    from minitask.hooks import on

    @on("task_completed")
    def celebrate(task, **_):
        print(f"well done: {task.title}")

Hooks run in priority order (higher first, then registration order). A
failing hook does not stop the others unless the registry is ``strict``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .errors import HookError

EVENTS: tuple[str, ...] = ("task_added", "task_updated", "task_completed", "task_removed")

Hook = Callable[..., Any]


@dataclass(order=True)
class _Registration:
    sort_key: tuple[int, int]
    callback: Hook = field(compare=False)


@dataclass
class HookFailure:
    """Record of an exception raised by a hook in non-strict mode."""

    event: str
    hook_name: str
    error: BaseException


class HookRegistry:
    """Maps event names to the callbacks subscribed to them.

    Args:
        events: Names of the events that may be registered and emitted.
        strict: When true, an exception in a hook is re-raised as
            :class:`HookError`; otherwise it is recorded in :attr:`failures`.
    """

    def __init__(self, events: Iterable[str] = EVENTS, *, strict: bool = False) -> None:
        self._hooks: dict[str, list[_Registration]] = {name: [] for name in events}
        self._counter = itertools.count()
        self.strict = strict
        self.failures: list[HookFailure] = []

    def _check_event(self, event: str) -> list[_Registration]:
        try:
            return self._hooks[event]
        except KeyError:
            known = ", ".join(self._hooks)
            raise HookError(f"unknown event {event!r}; known events: {known}") from None

    def register(self, event: str, callback: Hook, *, priority: int = 0) -> Hook:
        """Subscribe ``callback`` to ``event``.

        Args:
            event: Event name, one of those given to the constructor.
            callback: Called with the event's keyword arguments.
            priority: Hooks with a higher priority run first.

        Returns:
            The callback, unchanged, so this can back a decorator.

        Raises:
            HookError: If the event is unknown or the callback is not callable.
        """
        registrations = self._check_event(event)
        if not callable(callback):
            raise HookError(f"hook for {event!r} must be callable, got {type(callback).__name__}")
        registrations.append(_Registration((-priority, next(self._counter)), callback))
        registrations.sort()
        return callback

    def on(self, event: str, *, priority: int = 0) -> Callable[[Hook], Hook]:
        """Decorator form of :meth:`register`."""

        def decorator(callback: Hook) -> Hook:
            return self.register(event, callback, priority=priority)

        return decorator

    def unregister(self, event: str, callback: Hook) -> None:
        """Remove a previously registered callback.

        Raises:
            HookError: If the callback is not registered for the event.
        """
        registrations = self._check_event(event)
        for index, registration in enumerate(registrations):
            if registration.callback is callback:
                del registrations[index]
                return
        raise HookError(f"{_name(callback)} is not registered for {event!r}")

    def hooks_for(self, event: str) -> list[Hook]:
        """Return the callbacks for ``event`` in the order they will run."""
        return [registration.callback for registration in self._check_event(event)]

    def emit(self, event: str, **payload: Any) -> list[Any]:
        """Call every hook subscribed to ``event``.

        Args:
            event: The event name.
            **payload: Keyword arguments passed to every hook.

        Returns:
            The hooks' return values, in call order. Failed hooks contribute
            nothing in non-strict mode.

        Raises:
            HookError: In strict mode, if a hook raises.
        """
        registrations = self._check_event(event)
        results: list[Any] = []
        for registration in list(registrations):
            try:
                results.append(registration.callback(**payload))
            except Exception as exc:
                if self.strict:
                    raise HookError(f"hook {_name(registration.callback)} failed on {event!r}: {exc}") from exc
                self.failures.append(HookFailure(event, _name(registration.callback), exc))
        return results

    def clear(self, event: str | None = None) -> None:
        """Remove all hooks, or only those of one event."""
        names = [event] if event is not None else list(self._hooks)
        for name in names:
            self._check_event(name).clear()


def _name(callback: Hook) -> str:
    return getattr(callback, "__qualname__", repr(callback))


default_registry = HookRegistry()


def on(event: str, *, priority: int = 0) -> Callable[[Hook], Hook]:
    """Register a hook on the process-wide :data:`default_registry`."""
    return default_registry.on(event, priority=priority)
