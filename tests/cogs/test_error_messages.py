"""What a person reads for each kind of failure (no reference: these are not bugs), and where the message
goes once the interaction token has expired or Discord refuses it."""

from __future__ import annotations

import datetime as dt
import logging
from types import SimpleNamespace
from typing import Any

import discord
import pytest
from discord import app_commands

from bot.errors import ArticleNotFound, BlockedAddress, FetchError, IngestError, InvalidQuery, InvalidURL
from cogs.errors import describe, report_error
from cogs.formatting import NotManager
from tests.cogs.test_errors import Interaction


class _Upper(app_commands.Transformer):
    async def transform(self, interaction: Any, value: Any) -> Any:
        return value


def _transformer_error() -> app_commands.TransformerError:
    error = app_commands.TransformerError("**bold** id", discord.AppCommandOptionType.string, _Upper())
    error.__cause__ = ValueError("not a number")
    return error


def _invoke_error(cause: Exception) -> app_commands.CommandInvokeError:
    error = app_commands.CommandInvokeError(SimpleNamespace(name="show"), cause)  # type: ignore[arg-type]
    error.__cause__ = cause
    return error


def _server_error() -> discord.DiscordServerError:
    return discord.DiscordServerError(SimpleNamespace(status=503, reason="Service Unavailable"), "busy")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (_transformer_error(), "“\\*\\*bold\\*\\* id” is not a valid value for that option."),
        (
            _invoke_error(_server_error()),
            "Discord had a temporary problem taking my answer (it said 503). What you asked for may have been "
            "done; check before trying again.",
        ),
        (
            NotManager(),
            "You need the **Manage Server** permission (or one of this server's newsbot admin roles) to do that.",
        ),
        (app_commands.NoPrivateMessage(), "This command works in a server, not in direct messages."),
        (
            app_commands.BotMissingPermissions(["send_messages", "embed_links"]),
            "I am missing permissions here: send_messages, embed_links.",
        ),
        (
            app_commands.CommandOnCooldown(app_commands.Cooldown(1, 30.0), 12.4),
            "Slow down a little: try again in 12 s.",
        ),
        (app_commands.CheckFailure(), "You can't use this command here."),
        (
            _invoke_error(ArticleNotFound(7, "no article #7 here")),
            "I can't find an article by that id: no article #7 here (this server's library and the global "
            "one). Pick one from the list as you type, or use an id from `/search`.",
        ),
        (
            ArticleNotFound("harbour_bridge"),
            "I can't find an article matching “harbour\\_bridge” in this server's library. Pick one from the "
            "list as you type, or use an id from `/search`.",
        ),
        (InvalidURL("the URL has no host"), "That URL can't be fetched: the URL has no host"),
        (
            BlockedAddress("10.0.0.1 is a private address"),
            "I won't fetch that address: 10.0.0.1 is a private address",
        ),
        (FetchError("HTTP 404"), "I couldn't fetch that page: HTTP 404"),
        (InvalidQuery("unbalanced quote in the query"), "Unbalanced quote in the query"),
        (IngestError("no article text found on the page"), "No article text found on the page"),
    ],
)
def test_each_failure_is_told_in_words_without_a_reference(error: BaseException, message: str) -> None:
    assert describe(error) == (message, False)


def test_an_unknown_error_is_a_bug() -> None:
    assert describe(_invoke_error(KeyError("x"))) == ("", True)


class _Channel:
    def __init__(self) -> None:
        self.sent: list[tuple[str, Any]] = []

    async def send(self, content: str, *, allowed_mentions: Any) -> None:
        self.sent.append((content, allowed_mentions))


async def test_after_the_token_expired_the_message_goes_to_the_channel_without_a_ping() -> None:
    interaction: Any = Interaction(deferred=True)
    channel = _Channel()
    interaction.client = SimpleNamespace(interaction_ttl=900.0, get_partial_messageable=lambda _id: channel)
    interaction.channel_id = 55
    interaction.user = SimpleNamespace(id=1234)
    interaction.created_at = discord.utils.utcnow() - dt.timedelta(minutes=16)
    await report_error(interaction, FetchError("HTTP 404"))
    [(content, mentions)] = channel.sent
    assert content == "<@1234>: I couldn't fetch that page: HTTP 404"
    assert mentions.to_dict() == {"parse": []}
    assert interaction.followup.sent == [] and interaction.response.sent == []


async def test_a_refused_error_message_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    interaction: Any = Interaction(deferred=False)

    async def refuse(content: str, *, ephemeral: bool = False) -> None:
        raise discord.HTTPException(SimpleNamespace(status=400, reason="Bad Request"), "Unknown interaction")  # type: ignore[arg-type]

    interaction.response.send_message = refuse
    with caplog.at_level(logging.WARNING, logger="cogs.errors"):
        await report_error(interaction, FetchError("HTTP 404"))
    [record] = caplog.records
    assert record.getMessage() == "could not deliver an error message"
    assert record.error == "I couldn't fetch that page: HTTP 404"  # type: ignore[attr-defined]
