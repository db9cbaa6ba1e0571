"""Consumer groups: a process runs one group's handlers; the default process skips the others."""

from __future__ import annotations

import asyncio

import nats
import pytest
from django.conf import settings
from django.core.management import call_command

from gigsy.events import registry
from gigsy.events.consumer import runners_for
from gigsy.events.relay import Relay
from tests.events.conftest import Recorder, publish_pings, run_until


async def _durables(stream: str) -> set[str]:
    nc = await nats.connect(settings.NATS_URL)
    try:
        return {info.name for info in await nc.jetstream().consumers_info(stream)}
    finally:
        await nc.close()


def test_a_group_is_consumed_by_its_own_process_only(bus, register_handler):
    default_seen, search_seen = Recorder(), Recorder()
    register_handler("tests.record", "test.pinged", default_seen.record)
    registry.handler("test.pinged", name="tests.index", group="search")(search_seen.record)
    try:
        ids = publish_pings(3)

        default_process = runners_for()  # what `run_consumers` runs without --group
        assert "tests.index" not in {r.handler.name for r in default_process}
        asyncio.run(run_until([Relay(), *default_process], lambda: default_seen.count >= 3))
        assert search_seen.count == 0
        # The default process did not even create the search handler's durable consumer.
        assert registry.get("tests.index").durable not in asyncio.run(_durables(bus))

        search_process = runners_for(group="search")  # `run_consumers --group search`
        assert [r.handler.name for r in search_process] == ["tests.index"]
        asyncio.run(run_until(search_process, lambda: search_seen.count >= 3))
    finally:
        registry.unregister("tests.index")

    assert sorted(e.id for e in search_seen.events) == sorted(ids)
    assert default_seen.count == 3


def test_only_picks_named_handlers_of_any_group():
    registry.handler("test.pinged", name="tests.index", group="search")(lambda event: None)
    try:
        assert [r.handler.name for r in runners_for(only=["tests.index"])] == ["tests.index"]
        with pytest.raises(LookupError, match=r"tests\.nobody"):
            runners_for(only=["tests.nobody"])
    finally:
        registry.unregister("tests.index")


def test_list_shows_each_handler_with_its_group(capsys):
    registry.handler("test.pinged", name="tests.index", group="search")(lambda event: None)
    try:
        call_command("run_consumers", "--list")
    finally:
        registry.unregister("tests.index")
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split() == ["tests.index", "search", "test.pinged"] for line in lines)
    assert any(line.split()[:2] == ["lms.issue_certificate", "default"] for line in lines)


@pytest.mark.parametrize("group", ["", "Search", "search group", "search.index"])
def test_group_names_are_checked(group):
    with pytest.raises(ValueError, match="group"):
        registry.handler("test.pinged", name="tests.index", group=group)
