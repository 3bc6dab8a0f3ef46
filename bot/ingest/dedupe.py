"""Duplicate detection keys: canonical URLs, a normalised-text hash, and MinHash-LSH for near copies.

Why MinHash over word 4-shingles: syndicated copies drop, reorder or add sentences and change the
headline; Jaccard/containment over shingles degrades gracefully under all of those, and LSH bands let
the store find candidates by index lookup instead of a scan.
"""

from __future__ import annotations

import hashlib
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


def _shingle_hashes(tokens: list[str]) -> np.ndarray:
    if len(tokens) < SHINGLE:
        grams = [" ".join(tokens)] if tokens else []
    else:
        grams = [" ".join(tokens[i : i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)]
    unique = {int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "little") for g in grams}
    return np.fromiter(unique, dtype=np.uint64, count=len(unique))


def minhash(paragraphs: list[Paragraph]) -> tuple[np.ndarray, int]:
    """(signature of PERMUTATIONS uint32, number of distinct shingles). Headings are left out:
    a copy with a new headline or subheads is still the same text."""
    tokens = words(" ".join(p.text for p in paragraphs if p.kind == "text"))
    hashes = _shingle_hashes(tokens)
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
