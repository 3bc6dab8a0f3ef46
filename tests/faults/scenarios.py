"""Discord fault scenarios: each starts an emulator and an in-process bot, injects one kind of fault, and
returns a row for `bench/reliability.py` — fault, times injected, what the bot did, losses and doubles —
plus the facts the tests assert on. The tests in tests/faults/ run them at a small scale; the bench runs
them larger."""

from __future__ import annotations

import asyncio
import gzip
import json
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.store import Scope
from tests.emulator import DiscordEmulator, Interaction
from tests.emulator.state import Channel, Guild
from tests.faults.harness import LiveBot, digest_ids, distinct_text, live_bot

Row = dict[str, Any]


@asynccontextmanager
async def world(tmp: Path, name: str) -> AsyncIterator[tuple[DiscordEmulator, Guild, LiveBot]]:
    emu = DiscordEmulator()
    await emu.start()
    try:
        guild = emu.create_guild("Newsroom")
        async with live_bot(emu, tmp / f"{name}.db") as live:
            yield emu, guild, live
    finally:
        await emu.stop()


def _general(guild: Guild) -> Channel:
    return next(iter(guild.channels.values()))


def answers(emu: DiscordEmulator, inter: Interaction) -> int:
    """How many times the bot answered an interaction: initial callbacks accepted by the emulator."""
    return sum(
        1
        for r in emu.requests_to("POST", "/interactions/{id}/{token}/callback")
        if r.path.startswith(f"/interactions/{inter.id}/") and r.status in (200, 204)
    )


def _row(fault: str, injected: int, behaviour: str, lost: int, doubled: int, **facts: Any) -> Row:
    return {
        "fault": fault,
        "injected": injected,
        "behaviour": behaviour,
        "lost": lost,
        "doubled": doubled,
    } | facts


# ---- gateway -------------------------------------------------------------------------------------------------
async def gateway_close_mid_command(tmp: Path, rounds: int = 3) -> Row:
    """The websocket closes right after an interaction arrives (delivered), or in its place (replayed on
    RESUME): the command is answered exactly once each time."""
    async with world(tmp, "gateway") as (emu, guild, live):
        inters = []
        for i in range(rounds):
            emu.faults.close_gateway_on("INTERACTION_CREATE", deliver=i % 2 == 0)
            inter = await emu.invoke("topic list", {}, guild=guild)
            await emu.wait_response(inter, timeout=20)
            inters.append(inter)
            await emu.wait_until(lambda: emu.connected, 20, "the bot to resume")
        await asyncio.sleep(0.5)
        counts = [answers(emu, i) for i in inters]
        return _row(
            "gateway closed mid-command (4000; half before delivery)",
            emu.faults.injected(),
            f"resumed {emu.resumes}x, replayed, answered each command",
            lost=sum(1 for c in counts if c == 0),
            doubled=sum(c - 1 for c in counts if c > 1),
            resumes=emu.resumes,
            identifies=sum(1 for c in emu.connections if c.kind == "identify"),
            violations=[str(v) for v in emu.take_violations()],
            problems=live.problems(),
        )


async def invalid_session(tmp: Path, rounds: int = 2) -> Row:
    """INVALID_SESSION (not resumable): the bot identifies again and keeps answering."""
    async with world(tmp, "invalid") as (emu, guild, live):
        counts = []
        for _ in range(rounds):
            before = sum(1 for c in emu.connections if c.kind == "identify")
            await emu.invalidate_sessions()
            await emu.wait_until(
                lambda before=before: (
                    sum(1 for c in emu.connections if c.kind == "identify") > before and emu.connected
                ),
                30,
                "a new IDENTIFY",
            )
            inter = await emu.invoke("topic list", {}, guild=guild)
            await emu.wait_response(inter, timeout=20)
            await asyncio.sleep(0.3)
            counts.append(answers(emu, inter))
        identifies = sum(1 for c in emu.connections if c.kind == "identify")
        return _row(
            "invalid session",
            rounds,
            f"identified again ({identifies} identifies), answered after each",
            lost=sum(1 for c in counts if c == 0),
            doubled=sum(c - 1 for c in counts if c > 1),
            identifies=identifies,
            violations=[str(v) for v in emu.take_violations()],
            problems=live.problems(),
        )


# ---- REST faults on digest sends ---------------------------------------------------------------------------
async def digest_sends_under_fault(
    tmp: Path,
    fault: str,
    *,
    topics: int = 6,
    articles: int = 2,
    status: int = 503,
    times: int = 3,
) -> Row:
    """`topics` hourly topics in one channel, `articles` new articles each; the first `times` message sends
    fail with `fault` ("error" = `status`, "delay" = no answer within the bot's timeout, "drop" = handled
    but the answer lost, "storm" = 429s, "global" = global 429s). Every digest must reach the channel
    exactly once, however long the retries take (the clock is stepped a minute at a time)."""
    async with world(tmp, f"sends-{fault}-{status}") as (emu, guild, live):
        channel = _general(guild)
        expected: dict[int, set[int]] = {}
        for i in range(topics):
            topic = await live.add_topic(guild.id, channel.id, f"subject{i}")
            expected[topic.id] = set()
        for i, tid in enumerate(expected):
            for _ in range(articles):
                expected[tid].add(await live.ingest_story(f"subject{i}", guild.id))
        route = "POST /channels/{id}/messages"
        if fault == "error":
            rule = emu.faults.rest_error(route, status, times=times)
        elif fault == "delay":
            live.poster.send_timeout = 0.5
            rule = emu.faults.rest_delay(route, 1.5, times=times)
        elif fault == "drop":
            rule = emu.faults.rest_drop(route, times=times)
        elif fault == "storm":
            rule = emu.faults.rate_storm(route, times=times, retry_after=0.2)
        elif fault == "global":
            rule = emu.faults.rate_storm("*", times=times, retry_after=0.2, global_=True)
        else:
            raise ValueError(fault)
        await live.step(timedelta(hours=1), settle=0.5)
        for _ in range(400):  # retries are 1, 2, 5, 10, 30 minutes later
            if rule.fired >= (times or 0) and not await _owed(live):
                break
            await live.step(timedelta(minutes=1), settle=0.4)
        await live.until_idle(timeout=60)
        await asyncio.sleep(1.0 if fault == "delay" else 0.2)  # a late answer lands
        listed = Counter(digest_ids(emu.messages(channel)))
        want = set().union(*expected.values())
        lost = len(want - set(listed))
        doubled = sum(n - 1 for n in listed.values() if n > 1)
        statuses = Counter(r.status for r in emu.requests_to("POST", "/channels/{id}/messages"))
        behaviour = {
            "error": f"{status}: "
            + (
                "retried by discord.py"
                if status in (500, 502)
                else "digest kept pending, resent with its nonce"
            ),
            "delay": "gave up after its send timeout, resent with the same nonce (Discord returned the first message)",
            "drop": "connection lost: resent with the same nonce",
            "storm": "waited out each 429 (discord.py, then jittered resends)",
            "global": "held every request while the global limit lasted",
        }[fault]
        return _row(
            f"REST {status if fault == 'error' else fault} on digest sends"
            if fault != "global"
            else "global 429 storm",
            rule.fired,
            behaviour,
            lost=lost,
            doubled=doubled,
            statuses=dict(statuses),
            budget=live.bot.budget.snapshot(),
            invalid_answers=emu.faults.invalid_answers(),
            violations=[str(v) for v in emu.take_violations()],
            problems=live.problems(),
        )


async def _owed(live: LiveBot) -> bool:
    topics = await live.bot.store.list_topics(None, everything=True)
    return any(t.pending or t.failures for t in topics)


# ---- REST faults on interaction answers (edits of the deferred response) -----------------------------------
async def followup_under_fault(tmp: Path, status: int, times: int = 1) -> Row:
    """`/topic post` defers, then edits its 'thinking' message by followup; that call fails with `status`.
    500/502 are retried by discord.py (the answer arrives); 503 is not: the person gets a clear error
    instead of the answer, never two answers and never a traceback."""
    async with world(tmp, f"followup-{status}") as (emu, guild, live):
        channel = _general(guild)
        topic = await live.add_topic(guild.id, channel.id, "harbour")
        await live.ingest_story("harbour", guild.id)
        rule = emu.faults.rest_error("POST /webhooks/{app}/{token}", status, times=times)
        inter = await emu.invoke("topic post", {"topic": topic.id}, guild=guild)
        msg = await emu.wait_original(inter, timeout=30)
        await asyncio.sleep(0.3)
        listed = Counter(digest_ids(emu.messages(channel)))
        text = msg.get("content") or ""
        answered = "posted" in text
        return _row(
            f"REST {status} on an interaction edit",
            rule.fired,
            "answer delivered after discord.py's retries" if answered else f"told the person: {text[:60]}…",
            lost=0 if listed else 1,
            doubled=sum(n - 1 for n in listed.values() if n > 1) + max(0, answers(emu, inter) - 1),
            reply=text,
            violations=[str(v) for v in emu.take_violations()],
            problems=live.problems(),
        )


# ---- permissions -------------------------------------------------------------------------------------------
async def permission_lost(tmp: Path, what: str = "send", topics: int = 3, later_hours: int = 3) -> Row:
    """The bot loses Send Messages (or View Channel) in a topic channel: each topic pauses with the reason
    at its first refused send, the admins hear about it once, nothing is retried while paused, and after
    the permission returns and the topics are resumed the owed articles are posted exactly once."""
    async with world(tmp, f"perm-{what}") as (emu, guild, live):
        channel = _general(guild)
        ids = []
        for _ in range(topics):
            ids.append((await live.add_topic(guild.id, channel.id, "tunnel")).id)
        owed = {await live.ingest_story("tunnel", guild.id) for _ in range(2)}
        emu.faults.deny(channel, what)
        await live.step(timedelta(hours=1), settle=0.5)
        await live.until_idle()
        refused_first = emu.faults.refused_by_permission
        for _ in range(later_hours):
            await live.step(timedelta(hours=1), settle=0.3)
        refused_later = emu.faults.refused_by_permission - refused_first
        paused = await live.bot.store.list_topics(guild.id)
        reasons = {t.paused_reason for t in paused}
        owner_dm = emu.dm_channel(emu.users[guild.owner_id])
        notices = [m for m in emu.messages(owner_dm) if "paused" in (m.get("content") or "")]
        emu.faults.allow(channel)
        for tid in ids:
            inter = await emu.invoke("topic resume", {"topic": tid}, guild=guild)
            await emu.wait_response(inter, timeout=20)
        await live.step(timedelta(hours=1), settle=0.5)
        await live.until_idle()
        listed = Counter(digest_ids(emu.messages(channel)))
        per_topic = len([m for m in emu.messages(channel) if "📰" in (m.get("content") or "")])
        return _row(
            f"lost {'Send Messages' if what == 'send' else 'View Channel'} in a topic channel",
            refused_first,
            f"paused {sum(1 for t in paused if t.paused_reason)}/{topics} topics, {len(notices)} admin notice, "
            f"{refused_later} retries while paused, resumed cleanly",
            lost=len(owed - set(listed)),
            doubled=max(0, per_topic - topics) + sum(n - topics for n in listed.values() if n > topics),
            reasons=sorted(r or "" for r in reasons),
            notices=[m["content"] for m in notices],
            refused_first=refused_first,
            refused_later=refused_later,
            digests_after_resume=per_topic,
            violations=[str(v) for v in emu.take_violations()],
            problems=live.problems(),
        )


async def refused_storm(tmp: Path, topics: int = 120, hours: int = 6) -> Row:
    """Many topics in channels the bot may no longer post in, due together, hour after hour: each is
    refused once and paused; the 401/403/429 answers stay at one per topic, far below Discord's limit."""
    async with world(tmp, "refused") as (emu, guild, live):
        channels = [emu.create_channel(guild, f"desk-{i}") for i in range(4)]
        await asyncio.sleep(0.3)
        for i in range(topics):
            await live.add_topic(guild.id, channels[i % 4].id, "budget")
        await live.ingest_story("budget", guild.id)
        for c in channels:
            emu.faults.deny(c, "send")
        for _ in range(hours):
            await live.step(timedelta(hours=1), settle=0.5)
            await live.until_idle(timeout=120)
        invalid = emu.faults.invalid_answers()
        owner_dm = emu.dm_channel(emu.users[guild.owner_id])
        notices = [m for m in emu.messages(owner_dm) if "paused" in (m.get("content") or "")]
        return _row(
            f"storm of refused sends ({topics} topics, {hours} h)",
            emu.faults.refused_by_permission,
            f"{invalid} refusals in all (Discord bans at 10,000/10 min), each topic paused once, "
            f"{len(notices)} admin notices",
            lost=0,
            doubled=0,
            invalid_answers=invalid,
            bot_counted=live.bot.budget.total,
            notices=len(notices),
            violations=[str(v) for v in emu.take_violations()],
            problems=live.problems(),
        )


# ---- a long job outliving its interaction token ------------------------------------------------------------
async def token_expires_during_job(tmp: Path, articles: int = 40, ttl: float = 0.3) -> Row:
    """A JSONL upload that takes longer than the interaction token lives (shrunk from 15 minutes to `ttl`
    seconds): progress and the result move to the channel; the bot never calls the expired webhook."""
    async with world(tmp, "token") as (emu, guild, live):
        channel = _general(guild)
        live.bot.interaction_ttl = ttl
        live.bot.progress_every = 0.1
        emu.faults.expire_tokens_after(ttl + 0.5)
        lines = [
            json.dumps({"title": f"Archive piece {i}", "text": distinct_text(1000 + i)})
            for i in range(articles)
        ]
        att = emu.add_attachment(
            gzip.compress("\n".join(lines).encode()), "archive.jsonl.gz", "application/gzip"
        )
        inter = await emu.invoke("ingest file", {"file": att}, guild=guild)
        await emu.wait_response(inter, timeout=20)

        def result() -> dict[str, Any] | None:
            return next((m for m in emu.messages(channel) if m.get("embeds")), None)

        msg = await emu.wait_until(result, 120, "the result in the channel")
        stored = len(await live.bot.store.list_articles(Scope.guild(guild.id), limit=1000))
        progress = [
            m
            for m in emu.messages(channel)
            if "⏳" in (m.get("content") or "") and not int(m.get("flags") or 0) & 64
        ]
        results = [m for m in emu.messages(channel) if m.get("embeds")]  # followups included
        sent = [
            r.json
            for r in emu.requests_to("POST", "/channels/{id}/messages")
            if r.json and r.json.get("embeds")
        ]
        return _row(
            "interaction token expired during a long upload",
            1,
            f"progress ({len(progress)} channel message, edited) and the result moved to the channel; "
            f"{emu.faults.expired_token_answers} calls on the expired token",
            lost=articles - stored,
            doubled=max(0, len(results) - 1),
            expired_calls=emu.faults.expired_token_answers,
            result=msg,
            result_mentions=sent[0].get("allowed_mentions") if sent else None,
            progress=len(progress),
            outputs=[
                (m.get("content"), [e.get("title") for e in m.get("embeds") or []]) for m in results if m
            ],
            violations=[str(v) for v in emu.take_violations()],
            problems=live.problems(),
        )
