"""Reading commands end to end: `newsbot run` in a subprocess, driven through the emulator only."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from tests.cogs.conftest import PAGE_TIMEOUT, World
from tests.cogs.limits import all_text, assert_no_pings, assert_requests_never_ping, assert_within_limits

pytestmark = pytest.mark.asyncio(loop_scope="module")

EPHEMERAL = 64


def bullets(msg: dict[str, Any]) -> list[str]:
    return [line for line in msg["embeds"][0]["description"].split("\n") if line.startswith("• ")]


async def ask_error(world: World, name: str, options: dict[str, Any], **where: Any) -> str:
    """An error must be an ephemeral message (never a traceback)."""
    inter, msg = await world.ask(name, options, **where)
    assert msg["flags"] & EPHEMERAL if "flags" in msg and msg["flags"] else False, msg
    text = msg.get("content") or ""
    assert "Traceback" not in text
    return text


async def test_commands_are_synced_with_options(world: World) -> None:
    cmds = {c["name"]: c for c in world.emu.commands()}
    assert {"summary", "quotes", "related", "search", "article", "ingest", "stats", "settings"} <= set(cmds)
    summary = {o["name"]: o for o in cmds["summary"]["options"]}
    assert summary["article"]["autocomplete"] is True
    assert [c["value"] for c in summary["length"]["choices"]] == ["short", "medium", "long"]
    related = {o["name"]: o for o in cmds["related"]["options"]}
    assert (related["count"]["min_value"], related["count"]["max_value"]) == (1, 10)
    # NEWSBOT_ADMIN_ROLES is set in this world, so admin commands are not hidden by default permissions.
    assert cmds["ingest"].get("default_member_permissions") is None
    assert cmds["ingest"]["contexts"] == [0]
    assert {o["name"] for o in cmds["article"]["options"]} == {"show", "delete"}


async def test_summary_lengths(world: World) -> None:
    seed = str(world.ids["seed"])
    _, short = await world.ask("summary", {"article": seed, "length": "short"})
    _, medium = await world.ask("summary", {"article": seed})
    _, long = await world.ask("summary", {"article": seed, "length": "long"})
    assert len(bullets(short)) <= 2 < len(bullets(long))
    assert len(bullets(medium)) == 3
    assert "Belarus" in medium["embeds"][0]["title"]
    assert medium["embeds"][0]["footer"]["text"].endswith("medium summary")
    for msg in (short, medium, long):
        assert_within_limits(msg)
        assert not msg.get("flags", 0) & EPHEMERAL


async def test_article_resolves_by_title_and_url(world: World) -> None:
    _, by_title = await world.ask("summary", {"article": "harbour council approves"})
    assert by_title["embeds"][0]["footer"]["text"].startswith(f"Article #{world.ids['local']}")
    _, card = await world.ask("article show", {"article": str(world.ids["oversized"])})
    url = card["embeds"][0]["url"]
    _, by_url = await world.ask("article show", {"article": url})
    assert by_url["embeds"][0]["footer"]["text"] == f"Article #{world.ids['oversized']}"


async def test_quotes_with_and_without_speaker(world: World) -> None:
    _, msg = await world.ask("quotes", {"article": str(world.ids["local"])})
    text = msg["embeds"][0]["description"]
    assert text.startswith("> ")
    assert "— **Jane Holt**" in text
    _, only = await world.ask("quotes", {"article": str(world.ids["local"]), "speaker": "holt"})
    blocks = only["embeds"][0]["description"].split("\n\n")
    assert blocks and all("Holt" in b.splitlines()[-1] for b in blocks)
    _, nobody = await world.ask("quotes", {"article": str(world.ids["local"]), "speaker": "Napoleon"})
    assert "No quotes by “Napoleon”" in nobody["embeds"][0]["description"]
    assert "Jane Holt" in nobody["embeds"][0]["description"]


async def test_related_lists_other_articles(world: World) -> None:
    first = world.ids["bbc_first"]
    _, msg = await world.ask("related", {"article": str(first), "count": 3})
    lines = [ln for ln in msg["embeds"][0]["description"].split("\n") if re.match(r"^\d+\. ", ln)]
    assert 1 <= len(lines) <= 3
    assert f"#{first}\n" not in msg["embeds"][0]["description"] + "\n"
    assert_within_limits(msg)


async def test_related_count_out_of_range_is_refused_by_discord_shape(world: World) -> None:
    # The synced definition bounds count to 1-10; the emulator passes whatever the test sends, so the bot
    # still checks it and answers with an ephemeral explanation.
    text = await ask_error(world, "related", {"article": str(world.ids["seed"]), "count": 50})
    assert text == "Count must be between 1 and 10"


async def test_search_pages_only_for_the_asker_and_disable_on_timeout(world: World) -> None:
    inter, msg = await world.ask("search", {"query": "said"})
    embed = msg["embeds"][0]
    assert embed["footer"]["text"].startswith("Page 1/")
    assert len(embed["fields"]) == 5
    assert_within_limits(msg)
    original = await world.emu.wait_original(inter)
    # Someone else presses Next: refused, privately, and the page does not move.
    other = await world.emu.click(original, "pager:next", user=world.member)
    cb = await world.emu.wait_response(other)
    assert cb.type == 4 and cb.data is not None and cb.data["flags"] & EPHEMERAL
    assert "Only the person" in cb.data["content"]
    # The asker pages forward and back.
    nxt = await world.emu.click(original, "pager:next", user=world.admin)
    cb = await world.emu.wait_response(nxt)
    assert cb.type == 7 and cb.data is not None
    assert cb.data["embeds"][0]["footer"]["text"].startswith("Page 2/")
    first_titles = {f["name"] for f in embed["fields"]}
    assert not first_titles & {f["name"] for f in cb.data["embeds"][0]["fields"]}
    back = await world.emu.click(
        world.emu.message(original["id"]) or original, "pager:previous", user=world.admin
    )
    cb = await world.emu.wait_response(back)
    assert cb.data is not None and cb.data["embeds"][0]["footer"]["text"].startswith("Page 1/")

    def disabled() -> bool:
        current = world.emu.message(original["id"]) or {}
        buttons = [c for row in current.get("components") or [] for c in row.get("components") or []]
        return bool(buttons) and all(b.get("disabled") for b in buttons)

    await world.emu.wait_until(disabled, timeout=PAGE_TIMEOUT + 5, what="buttons disabled after the timeout")


async def test_search_highlights_and_filters(world: World) -> None:
    _, msg = await world.ask("search", {"query": "ferry terminal"})
    fields = msg["embeds"][0]["fields"]
    assert fields and "Harbour council" in fields[0]["name"]
    assert "**" in fields[0]["value"]
    _, none = await world.ask("search", {"query": "ferry", "source": "No Such Outlet"})
    assert none["embeds"][0]["description"] == "No articles match."
    text = await ask_error(world, "search", {"query": "ferry", "since": "the day after never"})
    assert text == (
        "Cannot read date 'the day after never': use e.g. 2022-06-01, 2022-06-01T12:00, 7d, 2w, 1m or 1y"
    )


async def test_autocomplete_offers_this_servers_titles_only(world: World) -> None:
    inter = await world.emu.autocomplete("summary", {"article": "ferry"}, "article", guild=world.newsroom)
    cb = await world.emu.wait_response(inter)
    assert cb.type == 8 and cb.data is not None
    choices = cb.data["choices"]
    assert choices and choices[0]["value"] == str(world.ids["local"])
    assert all(1 <= len(c["name"]) <= 100 and c["value"].isdigit() for c in choices)
    # The other server's article is offered there, never in the newsroom.
    inter = await world.emu.autocomplete(
        "quotes", {"article": "secret mine"}, "article", guild=world.newsroom
    )
    cb = await world.emu.wait_response(inter)
    assert cb.data is not None and cb.data["choices"] == []
    owner = world.emu.users[world.other.owner_id]
    inter = await world.emu.autocomplete(
        "quotes", {"article": "secret mine"}, "article", guild=world.other, user=owner
    )
    cb = await world.emu.wait_response(inter)
    assert cb.data is not None and [c["value"] for c in cb.data["choices"]] == [str(world.ids["secret"])]
    # Empty text: the newest articles, at most 25.
    inter = await world.emu.autocomplete("related", {"article": ""}, "article")
    cb = await world.emu.wait_response(inter)
    assert cb.data is not None and 1 <= len(cb.data["choices"]) <= 25


async def test_another_servers_article_is_invisible(world: World) -> None:
    secret = str(world.ids["secret"])
    for command in ("summary", "quotes", "related", "article show"):
        text = await ask_error(world, command, {"article": secret})
        assert "can't find an article" in text
    owner = world.emu.users[world.other.owner_id]
    _, msg = await world.ask("summary", {"article": secret}, guild=world.other, user=owner)
    assert "Secret mine" in msg["embeds"][0]["title"]


async def test_unknown_article(world: World) -> None:
    text = await ask_error(world, "summary", {"article": "no article has this zzqx title"})
    assert "can't find an article matching “no article has this zzqx title”" in text
    text = await ask_error(world, "article show", {"article": "999999"})
    assert "999999" in text


async def test_direct_messages_see_the_global_library(world: World) -> None:
    dm = world.emu.dm_channel(world.member)
    _, msg = await world.ask("summary", {"article": str(world.ids["seed"])}, channel=dm, user=world.member)
    assert bullets(msg)
    text = await ask_error(
        world, "summary", {"article": str(world.ids["local"])}, channel=dm, user=world.member
    )
    assert "can't find" in text


async def test_oversized_article_renders_within_limits(world: World) -> None:
    big = str(world.ids["oversized"])
    for command, options in (
        ("summary", {"article": big, "length": "long"}),
        ("summary", {"article": big}),
        ("quotes", {"article": big}),
        ("quotes", {"article": big, "speaker": "speaker"}),
        ("article show", {"article": big}),
        ("related", {"article": big, "count": 10}),
    ):
        _, msg = await world.ask(command, options)
        assert msg.get("embeds"), (command, msg)
        assert_within_limits(msg)
        assert_no_pings(msg)
    inter = await world.emu.autocomplete("summary", {"article": "Oversized"}, "article")
    cb = await world.emu.wait_response(inter)
    assert cb.data is not None and all(len(c["name"]) <= 100 for c in cb.data["choices"])


async def test_article_text_cannot_inject_markdown_or_mentions(world: World) -> None:
    _, msg = await world.ask("article show", {"article": str(world.ids["hostile"])})
    title = msg["embeds"][0]["title"]
    assert "\\*\\*Bold\\*\\*" in title and "\\[click\\]" in title and " [click]" not in title
    assert_no_pings(msg)
    assert "<@123456789012345678>" not in all_text(msg)


async def test_every_message_disables_mentions(world: World) -> None:
    await world.ask("summary", {"article": str(world.ids["hostile"])})
    await asyncio.sleep(0.1)
    assert_requests_never_ping(world.emu.requests)
