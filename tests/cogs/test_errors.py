"""The reply to a bug: one private message with a short reference, the same reference in the log with the
traceback; a person's mistake is told as it is, with no reference."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from bot.errors import StoreError
from cogs.errors import report_error


class Response:
    def __init__(self, done: bool) -> None:
        self.done = done
        self.sent: list[tuple[str, bool]] = []

    def is_done(self) -> bool:
        return self.done

    async def send_message(self, content: str, *, ephemeral: bool = False) -> None:
        self.sent.append((content, ephemeral))


class Followup:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []

    async def send(self, content: str, *, ephemeral: bool = False) -> None:
        self.sent.append((content, ephemeral))


class Command:
    qualified_name = "summary"


class Interaction:
    def __init__(self, *, deferred: bool) -> None:
        self.response = Response(deferred)
        self.followup = Followup()
        self.command = Command()
        self.guild_id = 42
        self.client = None  # no bot behind it: the token's age is never asked


@pytest.mark.parametrize("deferred", [False, True], ids=["answered", "after thinking"])
async def test_a_bug_is_answered_privately_with_the_reference_that_is_in_the_log(
    deferred: bool, caplog: pytest.LogCaptureFixture
) -> None:
    interaction = Interaction(deferred=deferred)
    with caplog.at_level(logging.ERROR, logger="cogs.errors"):
        await report_error(interaction, ZeroDivisionError("division by zero"))  # type: ignore[arg-type]
    sent = interaction.followup.sent if deferred else interaction.response.sent
    assert (interaction.response.sent if deferred else interaction.followup.sent) == []
    [(content, ephemeral)] = sent
    assert ephemeral is True
    match = re.fullmatch(
        r"Something went wrong on my side\. If it keeps happening, give the operator this reference: `([0-9a-f]{8})`\.",
        content,
    )
    assert match is not None, content
    [record] = caplog.records
    logged: Any = record
    assert (record.getMessage(), logged.ref, logged.command, logged.guild_id) == (
        "internal error answering an interaction",
        match.group(1),
        "summary",
        42,
    )
    assert record.exc_info is not None and record.exc_info[0] is ZeroDivisionError


async def test_a_store_error_is_told_as_it_is_without_a_reference(caplog: pytest.LogCaptureFixture) -> None:
    interaction = Interaction(deferred=False)
    with caplog.at_level(logging.ERROR, logger="cogs.errors"):
        await report_error(
            interaction,  # type: ignore[arg-type]
            StoreError(
                "the disk holding the database is full; nothing was written (free some space and retry)"
            ),
        )
    assert interaction.response.sent == [
        ("The disk holding the database is full; nothing was written (free some space and retry)", True)
    ]
    assert caplog.records == []
