"""A loopback Discord for tests: gateway websocket, REST API, attachments, schema checks.

No test may reach Discord. ``DiscordEmulator`` serves, on 127.0.0.1 and a random port:

* the gateway (``ws://127.0.0.1:PORT/``): HELLO, IDENTIFY -> READY + one GUILD_CREATE per guild, heartbeats,
  RESUME -> RESUMED (missed events replayed), op 7 RECONNECT, INVALID_SESSION, member chunks, and
  ``zlib-stream`` transport compression (``zstd-stream`` too when ``zstandard`` is installed);
* REST (``http://127.0.0.1:PORT/api/v10``): users/@me, applications/@me, command sync, interaction
  callbacks (``?with_response=1`` returns the callback resource), interaction webhooks (@original,
  followups), channel messages (with ``nonce`` + ``enforce_nonce``), threads and forum posts, guilds, roles,
  members. JSON and multipart (``payload_json`` + ``files[n]``) bodies;
* attachments at ``http://127.0.0.1:PORT/attachments/{id}/{filename}``.

Every JSON body is validated against Discord's OpenAPI spec (``/work/shared/discord/openapi.json``,
objects closed except for the few fields FIELD-NOTES lists); violations, unknown routes and protocol
mistakes (answering twice, answering after 3 s, followup before answer) are recorded in
``emu.violations`` and answered as Discord would (400/404). ``emu.assert_no_violations()`` fails the test;
the ``emulator`` fixture calls it at teardown (use ``emu.take_violations()`` when provoking them on purpose).

Example (the bot as a subprocess)::

    async def test_summary(emulator):
        guild = emulator.create_guild("Newsroom")            # owner, bot member, #general
        alice = emulator.create_user("alice")
        emulator.add_member(guild, alice)
        proc = await asyncio.create_subprocess_exec(
            ".venv/bin/newsbot", "run", env=os.environ | emulator.env())
        await emulator.wait_ready()
        await emulator.wait_commands()
        inter = await emulator.invoke("summary", {"url": "https://example.org/a"}, user=alice)
        cb = await emulator.wait_response(inter)             # Callback(type=5, data=...) if deferred
        msg = await emulator.wait_original(inter)            # the edited response message (dict)
        assert msg["embeds"][0]["title"]
        proc.terminate(); await proc.wait()

Fixtures live in ``tests/emulator/fixtures.py`` (``emulator``, ``discord_pointed_at``); ``tests/conftest.py``
exposes them with ``from tests.emulator.fixtures import discord_pointed_at, emulator  # noqa: F401``.
``tests/emulator/subprocess_bot.py`` is a minimal bot configured only through those environment variables.

In-process, use the ``discord_pointed_at`` fixture (it calls ``bot.discord_endpoints.apply_endpoint_overrides``)
and start the ``commands.Bot`` with ``emulator.token``.

The rest of the API: ``create_user``, ``create_guild``, ``create_role``, ``add_member``, ``create_channel``,
``create_forum(guild, name, tags)``, ``add_attachment(bytes, filename, content_type)`` (pass it as an
attachment option value); ``invoke(name, options)`` (``"group sub"`` for subcommands),
``autocomplete(name, options, focused)``, ``click(message, custom_id, values=None)``,
``submit_modal(opened_by, values)``, ``send_interaction(type, data, ...)`` (low level); each takes
``guild=``, ``channel=``, ``user=``. Waiting: ``wait_ready``, ``wait_commands``, ``wait_response``,
``wait_original``, ``wait_followup(inter, index)``, ``wait_message(channel, predicate)``,
``wait_until(predicate)``. Inspection: ``messages(channel)``, ``message(id)``, ``commands(guild=None)``,
``requests`` / ``requests_to("POST", "/channels/{id}/messages")``, ``connections``, ``resumes``.
Faults: ``ratelimit("POST /channels/{id}/messages", every_n=2)`` (real 429s), ``reconnect()``,
``drop_connections(code)``, ``invalidate_sessions()``, ``interaction_deadline`` (3 s); and ``emu.faults``
(``tests/emulator/faults.py``): 5xx, delayed or lost answers, 429 storms (per route or global), channel
permission loss, expiring interaction tokens, gateway closes mid-dispatch, with counts of each.
"""

from .http_util import RecordedRequest, Violation
from .interactions import Callback, Interaction, OptionError
from .server import DiscordEmulator
from .state import Attachment, Channel, Guild, Member, Role, User

__all__ = [
    "Attachment",
    "Callback",
    "Channel",
    "DiscordEmulator",
    "Guild",
    "Interaction",
    "Member",
    "OptionError",
    "RecordedRequest",
    "Role",
    "User",
    "Violation",
]
