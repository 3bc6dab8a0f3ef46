"""A minimal bot run as its own process (``python -m tests.emulator.subprocess_bot``), configured only
through the same environment variables ``newsbot run`` reads: it proves that path end to end."""

from __future__ import annotations

import os

import discord
from discord.ext import commands

from bot.discord_endpoints import apply_endpoint_overrides


class PingBot(commands.Bot):
    async def setup_hook(self) -> None:
        @self.tree.command(name="ping", description="Answer pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        await self.tree.sync()


def main() -> None:
    apply_endpoint_overrides(os.environ.get("NEWSBOT_DISCORD_API"), os.environ.get("NEWSBOT_DISCORD_GATEWAY"))
    PingBot(command_prefix="!", intents=discord.Intents.default()).run(
        os.environ["DISCORD_TOKEN"], log_handler=None
    )


if __name__ == "__main__":
    main()
