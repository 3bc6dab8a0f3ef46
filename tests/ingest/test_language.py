"""Language detection for bodies that do not state one; stated languages win; it stays cheap."""

from __future__ import annotations

from pathlib import Path

from bot.ingest.language import detect_language
from bot.ingest.pipeline import Ingestor
from bot.store import ArticleStore, Scope
from tests.ingest.test_pipeline import BODY, collect, jsonl

RU = (
    "Президент заявил, что переговоры продолжатся на следующей неделе в Минске, несмотря на разногласия.\n\n"
    "Министр сообщил журналистам, что урожай пшеницы в этом году оказался выше ожиданий и цены снизятся."
)
DE = (
    "Der Bundestag hat am Donnerstag ein neues Gesetz zur Förderung erneuerbarer Energien beschlossen.\n\n"
    "Die Opposition kritisierte, dass die Mittel für den Ausbau der Stromnetze nicht ausreichen würden."
)

STORM = (
    "A violent storm battered the northern coast overnight, flooding hundreds of homes and cutting power.\n\n"
    "Forecasters warned that more heavy rain and high winds would follow, and schools stayed closed."
)


def test_detects_common_languages_and_declines_to_guess_on_scraps() -> None:
    assert detect_language(BODY) == "en"
    assert detect_language(RU) == "ru"
    assert detect_language(DE) == "de"
    assert detect_language("ok thanks") is None
    assert detect_language("12 345 — 678") is None


async def test_plain_text_and_archive_bodies_get_a_language(store: ArticleStore, tmp_path: Path) -> None:
    # Before: language was null for every text file and JSONL line.
    (tmp_path / "ru.txt").write_text(f"Заголовок статьи\n\n{RU}\n", encoding="utf-8")
    archive = jsonl(
        tmp_path / "a.jsonl",
        [{"title": "Energie", "text": DE}, {"title": "Rates", "text": BODY, "language": "fr"}],
    )
    page = tmp_path / "p.html"
    paragraphs = "".join(f"<p>{p}</p>" for p in STORM.split("\n\n"))
    page.write_text(f"<html lang='nl'><head><title>Storm</title></head><body><article>{paragraphs}</article>")
    results = await collect(Ingestor(store), str(tmp_path / "ru.txt"), str(archive), str(page))
    assert [r.status for r in results] == ["created"] * 4, results
    languages = []
    for r in results:
        article = await store.get_article(r.id or 0, Scope.all())
        assert article is not None
        languages.append(article.language)
    # A stated language (an archive's field, a page's lang attribute) wins over the detector.
    assert languages == ["ru", "de", "fr", "nl"]


def test_detection_is_stable_over_many_articles() -> None:
    """Its cost (about 0.5 ms per article) is printed by bench/language.py, not asserted here."""
    bodies = [BODY * 4, RU * 4, DE * 4] * 100
    assert [detect_language(b) for b in bodies] == ["en", "ru", "de"] * 100
