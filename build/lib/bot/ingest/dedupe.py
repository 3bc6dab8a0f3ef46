"""Duplicate detection keys: canonical URLs, a normalised-text hash, and MinHash-LSH for near copies.

Why MinHash over word 4-shingles: syndicated copies drop, reorder or add sentences and change the
headline; Jaccard/containment over shingles degrades gracefully under all of those, and LSH bands let
the store find candidates by index lookup instead of a scan.

The signature only shortlists. A near-duplicate must be the same text with small edits, so the final
call is made on the two texts' own shingles: shingles that also occur in other stored articles (a show's
recurring intro, an outlet's footer) are boilerplate and left out, and what remains must be contained
both ways. A show page sharing its boilerplate with yesterday's, or a second report quoting the same
people, is a different article and is stored as one (related pieces can still link it).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np

from bot.ingest.normalize import words
from bot.models import Paragraph
from bot.store.base import Fingerprint

SHINGLE = 4
PERMUTATIONS = 60
BANDS = 20
ROWS = PERMUTATIONS // BANDS
MIN_SHINGLES = 15  # below this, texts are too short to call near-duplicates (only exact hashes count)
JACCARD_THRESHOLD = 0.5
CONTAINMENT_THRESHOLD = 0.75
# Own-text check on non-boilerplate shingles: one text almost wholly inside the other (a copy adds
# little), and the other at least half inside the first (a copy may trim sentences). Measured on
# bench/related.py's edited copies (15 % of sentences dropped, two swapped, a footer added); a daily
# show page sharing a block that is 2/3 of its text, or a second report sharing two quotes, fails.
OWN_CONTAINED = 0.75
OWN_KEPT = 0.5
BOILERPLATE_MIN_ARTICLES = 2  # a shingle found in this many stored candidates is boilerplate

_rng = np.random.default_rng(20221124)  # fixed: signatures must be stable across runs and machines
# Multiply-shift hashing over 64-bit shingle hashes: h(x) = (a·x + b mod 2^64) >> 32, a odd.
_A = (_rng.integers(0, 1 << 63, size=PERMUTATIONS, dtype=np.uint64) << np.uint64(1)) | np.uint64(1)
_B = _rng.integers(0, 1 << 63, size=PERMUTATIONS, dtype=np.uint64)
_SHIFT = np.uint64(32)

_TRACKING_PARAMS = {
    "fbclid",
    "gclid",
    "dclid",
    "msclkid",
    "mc_cid",
    "mc_eid",
    "cmpid",
    "ocid",
    "smid",
    "smtyp",
    "ref",
    "ref_src",
    "src",
    "igshid",
    "cid",
    "ito",
    "mbid",
    "wt.mc_id",
    "_ga",
    "spm",
    "share",
}


def canonical_url(url: str | None) -> str | None:
    """One spelling per page: lower-case host without www, no fragment, default port, tracking
    parameters or trailing slash; remaining query parameters sorted."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    port = parts.port if parts.port not in (None, 80, 443) else None
    netloc = f"{host}:{port}" if port else host
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING_PARAMS
    )
    return urlunsplit(("https", netloc, path, urlencode(query), ""))


def content_hash(paragraphs: list[Paragraph]) -> str:
    """Same words in the same order → same hash, whatever the spacing, case or punctuation."""
    tokens = words(" ".join(p.text for p in paragraphs))
    return hashlib.sha256(" ".join(tokens).encode()).hexdigest()


def _shingle_set(tokens: list[str]) -> set[int]:
    if len(tokens) < SHINGLE:
        grams = [" ".join(tokens)] if tokens else []
    else:
        grams = [" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)]
    return {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little") for g in grams}


def shingles(paragraphs: list[Paragraph]) -> set[int]:
    """Hashed word 4-shingles of the text paragraphs. Headings are left out: a copy with a new
    headline or subheads is still the same text."""
    return _shingle_set(words(" ".join(p.text for p in paragraphs if p.kind == "text")))


def minhash(paragraphs: list[Paragraph]) -> tuple[np.ndarray, int]:
    """(signature of PERMUTATIONS uint32, number of distinct shingles)."""
    unique = shingles(paragraphs)
    hashes = np.fromiter(unique, dtype=np.uint64, count=len(unique))
    if hashes.size == 0:
        return np.zeros(PERMUTATIONS, dtype=np.uint32), 0
    with np.errstate(over="ignore"):  # wrap-around is the point of multiply-shift
        values = (_A[:, None] * hashes[None, :] + _B[:, None]) >> _SHIFT
    return values.min(axis=1).astype(np.uint32), int(hashes.size)


def band_keys(signature: np.ndarray) -> tuple[int, ...]:
    keys = []
    for band in range(BANDS):
        chunk = signature[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return tuple(keys)


def fingerprint(paragraphs: list[Paragraph]) -> Fingerprint:
    signature, count = minhash(paragraphs)
    bands = band_keys(signature) if count >= MIN_SHINGLES else ()
    return Fingerprint(content_hash(paragraphs), signature.tobytes(), bands, count)


@dataclass(frozen=True, slots=True)
class Similarity:
    jaccard: float
    containment: float

    @property
    def is_near_duplicate(self) -> bool:
        return self.jaccard >= JACCARD_THRESHOLD or self.containment >= CONTAINMENT_THRESHOLD


def similarity(sig_a: bytes, count_a: int, sig_b: bytes, count_b: int) -> Similarity:
    """Estimated Jaccard from signatures; containment (share of the smaller text inside the larger)
    derived from Jaccard and the two set sizes."""
    if count_a < MIN_SHINGLES or count_b < MIN_SHINGLES or len(sig_a) != len(sig_b) or not sig_a:
        return Similarity(0.0, 0.0)
    a = np.frombuffer(sig_a, dtype=np.uint32)
    b = np.frombuffer(sig_b, dtype=np.uint32)
    jaccard = float(np.mean(a == b))
    intersection = jaccard * (count_a + count_b) / (1 + jaccard)
    return Similarity(jaccard, min(1.0, intersection / min(count_a, count_b)))


@dataclass(frozen=True, slots=True)
class OwnTextMatch:
    """How much of each text's own (non-boilerplate) shingles the other holds."""

    new_in_stored: float
    stored_in_new: float

    @property
    def is_near_duplicate(self) -> bool:
        high, low = sorted((self.new_in_stored, self.stored_in_new), reverse=True)
        return high >= OWN_CONTAINED and low >= OWN_KEPT


def boilerplate(stored: Iterable[set[int]]) -> set[int]:
    """Shingles present in at least BOILERPLATE_MIN_ARTICLES of the stored texts."""
    counts: Counter[int] = Counter()
    for texts in stored:
        counts.update(texts)
    return {s for s, n in counts.items() if n >= BOILERPLATE_MIN_ARTICLES}


def own_text_match(new: set[int], stored: set[int], common: set[int]) -> OwnTextMatch:
    """Containment both ways once boilerplate is removed; too little own text is never a match."""
    own_new, own_stored = new - common, stored - common
    if len(own_new) < MIN_SHINGLES or len(own_stored) < MIN_SHINGLES:
        return OwnTextMatch(0.0, 0.0)
    shared = len(own_new & own_stored)
    return OwnTextMatch(shared / len(own_new), shared / len(own_stored))


def closest_near_duplicate(
    new: list[Paragraph], shortlisted: Iterable[int], stored: dict[int, list[Paragraph]]
) -> int | None:
    """Among the shortlisted stored articles, the one the new text is a near-duplicate of (highest
    shared share), judged on own text; `stored` holds every candidate the signature index found,
    which is where boilerplate shows itself."""
    sets = {article_id: shingles(paragraphs) for article_id, paragraphs in stored.items()}
    common = boilerplate(sets.values())
    new_set = shingles(new)
    best: tuple[float, int] | None = None
    for article_id in shortlisted:
        if article_id not in sets:
            continue
        match = own_text_match(new_set, sets[article_id], common)
        score = min(match.new_in_stored, match.stored_in_new)
        if match.is_near_duplicate and (best is None or score > best[0]):
            best = (score, article_id)
    return best[1] if best else None
