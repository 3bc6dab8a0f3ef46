"""Request-body validation against Discord's OpenAPI spec.

The spec leaves almost every object open (no ``additionalProperties``), so a plain check would accept any
misspelt field. We close every object schema instead, then re-open exactly the fields that FIELD-NOTES says
discord.py sends and Discord accepts although the spec does not declare them.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(
    os.environ.get("NEWSBOT_DISCORD_OPENAPI")
    or Path(__file__).resolve().parents[2].parent / "shared" / "discord" / "openapi.json"
)

# Undeclared fields that discord.py sends and Discord accepts (FIELD-NOTES), by component schema name.
TOLERATED_FIELDS: dict[str, frozenset[str]] = {
    "RichEmbed": frozenset({"flags"}),
    # Application commands: discord.py always sends ``nsfw``.
    "ApplicationCommandCreateRequest": frozenset({"nsfw"}),
    "ApplicationCommandUpdateRequest": frozenset({"nsfw"}),
    "ApplicationCommandPatchRequestPartial": frozenset({"nsfw"}),
    # Message edits: discord.py's shared message builder always adds ``tts``.
    "IncomingWebhookUpdateRequestPartial": frozenset({"tts"}),
    "IncomingWebhookUpdateForInteractionCallbackRequestPartial": frozenset({"tts"}),
    "MessageEditRequestPartial": frozenset({"tts"}),
    # Forum posts: the starter message is built by the same builder.
    "BaseCreateMessageCreateRequest": frozenset({"tts"}),
    # Not in FIELD-NOTES yet, found by this emulator: ForumChannel.create_thread always sends ``"type": 11``
    # (discord.py 2.7 channel.py), which the spec's forum-thread request does not declare.
    "CreateForumThreadRequest": frozenset({"type"}),
}


@dataclass(frozen=True)
class SchemaProblem:
    """One way a body breaks the spec: where in the body, and what is wrong."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


def _close_objects(node: Any, tolerated: frozenset[str]) -> Any:
    """Add ``additionalProperties: false`` to every object schema with declared properties."""
    if isinstance(node, list):
        return [_close_objects(item, frozenset()) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _close_objects(value, frozenset()) for key, value in node.items()}
    if "properties" in node and "additionalProperties" not in node and "patternProperties" not in node:
        props = dict(out["properties"])
        for name in tolerated:
            props.setdefault(name, {})
        out["properties"] = props
        out["additionalProperties"] = False
    return out


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    body = "".join("[^/]+" if part.startswith("{") else re.escape(part) for part in parts)
    return re.compile(f"^{body}/?$")


class SpecValidator:
    """Finds the spec operation for a concrete path and validates JSON bodies; validators are cached."""

    def __init__(self, spec_path: Path = SPEC_PATH) -> None:
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        self._spec = spec
        schemas = spec["components"]["schemas"]
        closed = {
            name: _close_objects(schema, TOLERATED_FIELDS.get(name, frozenset()))
            for name, schema in schemas.items()
        }
        # Discord reads snowflakes given as JSON integers too, and discord.py sends new attachments' ids as
        # 0, 1, ... (ints); the spec only spells the string form.
        closed["SnowflakeType"] = {"anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]}
        root = copy.copy(spec)
        root["components"] = dict(spec["components"], schemas=closed)
        resource = Resource.from_contents(root, default_specification=DRAFT202012)
        self._registry: Registry = Registry().with_resource("urn:discord-openapi", resource)
        self._validators: dict[tuple[str, str], jsonschema.protocols.Validator | None] = {}
        # Most specific first: fewer placeholders wins (``/users/@me`` before ``/users/{user_id}``).
        self._templates = sorted(
            ((template, _template_regex(template)) for template in spec["paths"]),
            key=lambda item: (item[0].count("{"), -len(item[0])),
        )

    def match(self, path: str) -> str | None:
        """The spec path template (e.g. ``/channels/{channel_id}``) that ``path`` instantiates."""
        for template, regex in self._templates:
            if regex.match(path):
                return template
        return None

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        template = self.match(path)
        if template is None:
            return None
        op = self._spec["paths"][template].get(method.lower())
        return op if isinstance(op, dict) else None

    def _validator(self, method: str, template: str) -> jsonschema.protocols.Validator | None:
        key = (method.upper(), template)
        if key not in self._validators:
            op = self._spec["paths"][template].get(method.lower()) or {}
            content = (op.get("requestBody") or {}).get("content") or {}
            media = content.get("application/json")
            if media is None or "schema" not in media:
                self._validators[key] = None
            else:
                schema = _close_objects(media["schema"], frozenset())
                schema = _rebase_refs(schema)
                cls = jsonschema.validators.validator_for(
                    {"$schema": "https://json-schema.org/draft/2020-12/schema"}
                )
                self._validators[key] = cls(schema, registry=self._registry)
        return self._validators[key]

    def validate(self, method: str, path: str, body: Any) -> list[SchemaProblem]:
        """Problems of ``body`` sent as ``method path`` (path relative to ``/api/v10``); empty if valid."""
        template = self.match(path)
        if template is None:
            return [SchemaProblem("(route)", f"{method} {path} is not in the OpenAPI spec")]
        validator = self._validator(method, template)
        if validator is None:
            return [SchemaProblem("(route)", f"{method} {template} takes no JSON body in the spec")]
        problems = []
        for error in validator.iter_errors(body):
            problems.append(_describe(error))
        return problems


def _leaves(error: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    if not error.context:
        return [error]
    return [leaf for sub in error.context for leaf in _leaves(sub)]


def _describe(error: jsonschema.ValidationError) -> SchemaProblem:
    """Name the deepest failing spot: a bare "not valid under any of the given schemas" helps nobody.

    Of all branch failures, the one deepest in the body wins; failures of a discriminator (``enum``, ``type``)
    lose ties, since they only say that another branch was meant.
    """
    deepest = max(
        _leaves(error),
        key=lambda e: (len(e.absolute_path), e.validator not in ("enum", "const", "type")),
    )
    where = "/".join(str(p) for p in deepest.absolute_path) or "(root)"
    message = deepest.message[:300]
    if deepest is not error:
        message += " (in a branch of an anyOf/oneOf)"
    return SchemaProblem(where, message)


def _rebase_refs(node: Any) -> Any:
    """Point local ``#/components/...`` refs at the registered spec resource."""
    if isinstance(node, list):
        return [_rebase_refs(item) for item in node]
    if isinstance(node, dict):
        out = {key: _rebase_refs(value) for key, value in node.items()}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            out["$ref"] = "urn:discord-openapi" + ref
        return out
    return node


@lru_cache(maxsize=1)
def shared_validator() -> SpecValidator:
    """One validator per process: loading and closing the 1 MB spec takes a moment."""
    return SpecValidator()
