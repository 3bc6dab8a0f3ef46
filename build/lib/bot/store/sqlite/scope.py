"""Server scope as an SQL condition: the one place SQLite queries decide what a server may see."""

from __future__ import annotations

from typing import Any

from bot.store.base import Scope


def scope_clause(scope: Scope, column: str = "guild_id") -> tuple[str, list[Any]]:
    """SQL condition for what `scope` may see."""
    if scope.everything:
        return "1=1", []
    if scope.guild_id is None:
        return f"{column} IS NULL", []
    return f"({column} = ? OR {column} IS NULL)", [scope.guild_id]
