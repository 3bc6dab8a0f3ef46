"""Bytes to text: whole legacy files are decoded, UTF-8 with a few damaged bytes stays UTF-8."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.ingest.encoding import decode_damaged_utf8
from bot.ingest.html_decode import decode_html
from bot.ingest.pipeline import Ingestor
from bot.ingest.sources import decode_text, iter_source
from bot.store import ArticleStore, Scope

RU_TITLE = "Заголовок статьи"
RU_BODY = (
    "Президент заявил, что переговоры продолжатся на следующей неделе в Минске, несмотря на разногласия.\n\n"
    "Министр сообщил журналистам, что урожай пшеницы в этом году оказался выше ожиданий и цены снизятся."
)
FR_TITLE = "Grève générale à Paris"
FR_BODY = (
    "Les syndicats ont appelé à une grève générale jeudi, perturbant les transports publics dans la capitale.\n\n"
    "Le ministre a déclaré que le gouvernement était prêt à négocier, mais pas à retirer la réforme des retraites."
)


async def _ingest_one(store: ArticleStore, path: Path) -> tuple[str, str]:
    (result,) = await Ingestor(store).ingest_item(next(iter_source(str(path))))
    assert result.status == "created", result
    article = await store.get_article(result.id or 0, Scope.all())
    assert article is not None
    return article.title, article.body


async def test_utf8_with_stray_invalid_bytes_keeps_utf8_and_its_title(
    store: ArticleStore, tmp_path: Path
) -> None:
    # Before: the file was re-read as a legacy encoding, so the title became mojibake ("Р—Р°РіРѕ...").
    damaged = f"{RU_TITLE}\n\n{RU_BODY}\n".encode().replace(
        "Минске".encode(), "Минске".encode() + b"\xff\xfe"
    )
    path = tmp_path / "damaged.txt"
    path.write_bytes(damaged)
    title, body = await _ingest_one(store, path)
    assert title == RU_TITLE
    assert "в Минске\ufffd\ufffd, несмотря" in body and "урожай пшеницы" in body


def test_damaged_utf8_rule_counts_bytes() -> None:
    found = decode_damaged_utf8("Grève à Paris: ".encode() + b"\xff" + " détails".encode())
    assert (
        found is not None
        and found.invalid_bytes == 1
        and found.first_offset == len("Grève à Paris: ".encode())
    )
    assert found.text == "Grève à Paris: \ufffd détails"
    # A whole legacy file has (almost) no valid UTF-8 sequences: not "damaged UTF-8".
    assert decode_damaged_utf8(f"{RU_TITLE}\n{RU_BODY}".encode("cp1251")) is None
    assert decode_damaged_utf8(f"{FR_TITLE}\n{FR_BODY}".encode("cp1252")) is None
    assert decode_damaged_utf8(b"plain ascii") is None


@pytest.mark.parametrize(
    ("codec", "title", "body"),
    [
        ("cp1251", RU_TITLE, RU_BODY),
        ("cp1252", FR_TITLE, FR_BODY),
        ("utf-16", RU_TITLE, RU_BODY),
        ("utf-32", FR_TITLE, FR_BODY),
        ("utf-8-sig", RU_TITLE, RU_BODY),
    ],
)
async def test_whole_files_in_other_encodings_are_decoded_with_their_title(
    store: ArticleStore, tmp_path: Path, codec: str, title: str, body: str
) -> None:
    path = tmp_path / f"{codec}.txt"
    path.write_bytes(f"{title}\n\n{body}\n".encode(codec))
    assert decode_text(path.read_bytes()).strip() == f"{title}\n\n{body}"
    stored_title, stored_body = await _ingest_one(store, path)
    assert stored_title == title  # the two-word cp1251 title line used to be dropped
    assert stored_body == body


def test_html_declared_utf8_with_a_stray_byte_stays_utf8() -> None:
    page = f"<html><head><meta charset='utf-8'><title>{RU_TITLE}</title></head><body><p>{RU_BODY}</p>"
    data = page.encode().replace("Минске".encode(), "Минске".encode() + b"\x80")
    text = decode_html(data, content_type="text/html; charset=utf-8")
    assert RU_TITLE in text and "Минске\ufffd" in text
    legacy = page.replace("utf-8", "windows-1251").encode("cp1251")
    assert RU_TITLE in decode_html(legacy)
