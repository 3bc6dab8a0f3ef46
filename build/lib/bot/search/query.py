"""User query text → `ParsedQuery`, our own tiny grammar. No user text ever reaches the full-text engine
as syntax: operators, quotes, colons and brackets are either understood here or treated as separators.

Grammar: `"quoted phrase"`, `word*` (prefix, at least 2 characters), `-word` / `-"phrase"` or
`NOT word` (exclude), `a OR b` (either), anything else is a plain word (all must match). A bare `AND` is
dropped (it is the default anyway); an unbalanced quote runs to the end of the input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from bot.search.types import ParsedQuery, QueryTerm

MAX_QUERY_CHARS = 1000
MAX_TERMS = 24
MAX_PHRASE_TOKENS = 12
_WORD = re.compile(r"[^\W_]+")
_CHUNK = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text[: MAX_QUERY_CHARS * 2])
    # Control and format characters (NUL, zero-width, bidi marks) become spaces.
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") else c for c in text)
    if len(text) > MAX_QUERY_CHARS:  # cut at a space, so the last word is not a truncated stub
        cut = text[:MAX_QUERY_CHARS]
        text = cut[: cut.rfind(" ")] if " " in cut else cut
    return text


def _tokens(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower()))


def parse_query(text: str) -> ParsedQuery:
    """Never raises; an empty result means "nothing to search for"."""
    terms: list[QueryTerm] = []
    seen: set[QueryTerm] = set()
    negate_next = False  # after a bare NOT
    or_next = False  # after a bare OR that follows a positive term
    groups = 0
    for match in _CHUNK.finditer(_clean(text)):
        if len(terms) >= MAX_TERMS:
            break
        minus, quoted, bare = match.group(1), match.group(2), match.group(3)
        if bare == "NOT":
            negate_next = True
            continue
        if bare == "OR":
            or_next = bool(terms) and not terms[-1].negated and not negate_next
            continue
        term: QueryTerm | None
        if quoted is not None:
            tokens = _tokens(quoted)[:MAX_PHRASE_TOKENS]
            term = _make("phrase" if len(tokens) > 1 else "word", tokens, bool(minus) or negate_next)
        else:
            term = _bare(bare)
            if term is not None and negate_next:
                term = QueryTerm(term.kind, term.tokens, True)
        negate_next = False
        if term is not None and or_next and not term.negated:
            previous = terms[-1]
            if not previous.alt:
                groups += 1
                seen.discard(previous)
                previous = replace(previous, alt=groups)
                terms[-1] = previous
                seen.add(previous)
            term = replace(term, alt=previous.alt)
        or_next = False
        if term is not None and term not in seen:
            seen.add(term)
            terms.append(term)
    return ParsedQuery(tuple(terms))


def _bare(chunk: str) -> QueryTerm | None:
    if chunk == "AND":
        return None
    negated = chunk.startswith("-") and len(chunk) > 1
    body = chunk[1:] if negated else chunk
    prefix = body.endswith("*")
    tokens = _tokens(body)[:MAX_PHRASE_TOKENS]
    if not tokens:
        return None
    if prefix and len(tokens[-1]) >= 2:
        if len(tokens) == 1:
            return QueryTerm("prefix", tokens, negated)
        # "u.s.a*" → phrase whose last token is a prefix; keep it simple: phrase of the full tokens
    # "U.S." or "e-mail" tokenises to several words: the index saw them as a phrase, so do we.
    return _make("phrase" if len(tokens) > 1 else "word", tokens, negated)


def _make(kind: str, tokens: tuple[str, ...], negated: bool) -> QueryTerm | None:
    if not tokens:
        return None
    return QueryTerm("phrase" if kind == "phrase" else "word", tokens, negated)
