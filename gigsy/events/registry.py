"""Event handlers, registered by each context in its `handlers.py`.

    @handler("user.registered", name="careers.create_profile")
    def create_profile(event: Event) -> None: ...

    @handler("profile.updated", name="search.index_profile", group="search")
    def index_profile(event: Event) -> None: ...

Each handler gets its own durable JetStream consumer (named after it), runs in a database
transaction together with its inbox row, and must be idempotent in effect: the inbox makes a
redelivered event a no-op, but a handler that calls outside services must tolerate retries.

A handler runs in one process group: `manage.py run_consumers --group NAME` runs that group's
handlers only, and the `consumers` process runs the "default" group. A context whose handlers
must live in its own process (the search service owns an embedded index that allows a single
writer) declares its group; the default process leaves those handlers alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from gigsy.events.catalog import spec_for
from gigsy.events.envelope import Event

HandlerFunc = Callable[[Event], None]
_VALID_NAME = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")
_VALID_GROUP = re.compile(r"^[a-z][a-z0-9_-]*$")
DEFAULT_GROUP = "default"


@dataclass(frozen=True)
class Handler:
    name: str
    event_type: str
    func: HandlerFunc
    group: str = DEFAULT_GROUP

    @property
    def durable(self) -> str:
        # JetStream durable names may not contain dots.
        return self.name.replace(".", "--")


_HANDLERS: dict[str, Handler] = {}


def handler(
    event_type: str, *, name: str, group: str = DEFAULT_GROUP
) -> Callable[[HandlerFunc], HandlerFunc]:
    """Register `func` as the handler `name` (`<context>.<what_it_does>`) for `event_type`,
    run by the consumer process of `group`."""
    if not _VALID_NAME.match(name):
        raise ValueError(f"handler name {name!r} must look like 'context.what_it_does'")
    if not _VALID_GROUP.match(group):
        raise ValueError(f"handler group {group!r} must be lower-case letters, digits, - or _")
    spec_for(event_type)  # only declared types can be consumed

    def register(func: HandlerFunc) -> HandlerFunc:
        existing = _HANDLERS.get(name)
        if existing is not None and existing.func is not func:
            raise ValueError(f"two handlers are named {name!r}")
        _HANDLERS[name] = Handler(name=name, event_type=event_type, func=func, group=group)
        return func

    return register


def unregister(name: str) -> None:
    """For tests that register throw-away handlers."""
    _HANDLERS.pop(name, None)


def get(name: str) -> Handler:
    try:
        return _HANDLERS[name]
    except KeyError:
        raise LookupError(f"no event handler named {name!r}") from None


def all_handlers() -> list[Handler]:
    return sorted(_HANDLERS.values(), key=lambda h: h.name)


def handlers_of_group(group: str) -> list[Handler]:
    return [h for h in all_handlers() if h.group == group]
