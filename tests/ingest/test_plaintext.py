"""Plain-text page cleaning: the seed page, clean pasted articles, Markdown, normalisation."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ExtractionError
from bot.ingest.plaintext import clean_page_text
from bot.models import FLAG_PAYWALLED, FLAG_TEASER

SEED = Path(__file__).resolve().parents[3] / "shared" / "seed" / "000_8b27f7ba246c2cdc.txt"

PROSE = [
    "The city council voted on Tuesday to expand the bus network, adding three routes that will reach the "
    "northern suburbs by the end of next year.",
    "Officials said the plan would cost about $40 million, most of it covered by a federal grant approved "
    "in the spring after a long review.",
    "Residents who spoke at the meeting were divided. Some welcomed shorter commutes, while others worried "
    "about traffic on narrow residential streets.",
    "The mayor said construction of new stops would begin in March, and that the first route could open "
    "before the summer holidays.",
]


@pytest.fixture(scope="module")
def seed() -> list:
    if not SEED.exists():
        pytest.skip("shared seed page not present")
    return clean_page_text(SEED.read_text(encoding="utf-8"))


def test_seed_metadata(seed: list) -> None:
    main = seed[0]
    assert main.title == "Unpacking Why Belarus Will Or Won't Join The War Against Ukraine"
    assert main.authors == ["Igor Ilyash"]
    assert main.section == "Geopolitics"
    assert main.subtitle is not None and main.subtitle.startswith("Analysts have closely followed")
    assert FLAG_PAYWALLED in main.flags
    assert FLAG_TEASER not in main.flags


def test_seed_body_bounds_and_headings(seed: list) -> None:
    main = seed[0]
    body = main.body
    assert body.startswith("KYIV — For several months")
    assert body.endswith("dependence on his eastern neighbor.")
    headings = [p.text for p in main.paragraphs if p.kind == "heading"]
    assert headings == [
        "A Putin ultimatum",
        "Why Minsk is not ready",
        "Anti-war sentiment at home",
        "Russia needs Belarus",
    ]
    texts = [p.text for p in main.paragraphs if p.kind == "text"]
    assert any(t.startswith("Citing sources, Pavel Latushko") for t in texts)
    assert any(t.startswith("The press called it a new") for t in texts)
    assert len(texts) == 18


def test_seed_body_drops_furniture(seed: list) -> None:
    body = seed[0].body
    texts = {p.text for p in seed[0].paragraphs}
    for junk in (
        "newsletter",
        "subscribe",
        "monthly limit",
        "Already a subscriber",
        "Peter Kovalev",
        "Military hardware takes part",
        "Lukashenko is directly behind Putin",
        "-Analysis-",
        "Belgrade",
        "Central to the tragic absurdity",
        "\\u200b",
        "Keep reading",
        "Igor Ilyash",
    ):
        assert junk not in body, junk
    assert "A new direction has appeared." not in texts
    assert "There are obvious deterrents, but also caveats." not in texts


def test_seed_teaser_is_second_article(seed: list) -> None:
    assert len(seed) == 2
    teaser = seed[1]
    assert FLAG_TEASER in teaser.flags
    assert teaser.title is not None and teaser.title.startswith("A Ukrainian In Belgrade")
    assert teaser.authors == ["Anna Akage"]
    assert teaser.body.startswith("At high school in Kyiv")
    assert "Central to the tragic absurdity" not in teaser.body


def test_clean_article_keeps_every_paragraph() -> None:
    text = "City expands bus network\n\n" + "\n\n".join(PROSE) + "\n"
    (article,) = clean_page_text(text)
    assert article.title == "City expands bus network"
    assert [p.text for p in article.paragraphs] == PROSE
    assert not article.flags


def test_markdown_title_and_subheadings() -> None:
    text = f"# Buses for the north\n\n{PROSE[0]}\n\n{PROSE[1]}\n\n## What residents said\n\n{PROSE[2]}\n\n{PROSE[3]}\n"
    (article,) = clean_page_text(text, url="https://example.org/a")
    assert article.title == "Buses for the north"
    assert article.url == "https://example.org/a"
    assert [p.kind for p in article.paragraphs] == ["text", "text", "heading", "text", "text"]
    assert article.paragraphs[2].text == "What residents said"


def test_hard_wrapped_paragraphs_are_joined() -> None:
    wrapped = []
    for para in PROSE:
        words, line, lines = para.split(), "", []
        for w in words:
            if len(line) + len(w) + 1 > 60:
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}".strip()
        lines.append(line)
        wrapped.append("\n".join(lines))
    (article,) = clean_page_text("\n\n".join(wrapped))
    assert [p.text for p in article.paragraphs] == PROSE


def test_navigation_and_calls_to_action_dropped() -> None:
    nav = "\n".join(f"* {w}" for w in ("Home", "World", "Business", "Sport", "Culture", "Opinion", "Video"))
    text = (
        f"{nav}\n\nSign up for our newsletter\n\nBuses for the north\n\nBy Jane Doe and John Roe\n\n"
        + "\n\n".join(PROSE)
        + "\n\nShare this article\n\nMost read\n\n* Ten things to do this weekend\n\n© 2024 Example Media. "
        "All rights reserved.\n"
    )
    (article,) = clean_page_text(text)
    assert [p.text for p in article.paragraphs] == PROSE
    assert article.title == "Buses for the north"
    assert article.authors == ["Jane Doe", "John Roe"]


def test_normalisation() -> None:
    text = "\\u200bThe\u00a0council\u0007 met. " + PROSE[0] + "\r\n\r\n" + "Cafe\u0301 owners " + PROSE[1]
    (article,) = clean_page_text(text)
    body = article.body
    assert "\\u200b" not in body and "\u0007" not in body and "\u00a0" not in body and "\r" not in body
    assert body.startswith("The council met.")
    assert "Café owners" in body


@pytest.mark.parametrize("text", ["", "   \n\n\t", "\u200b\n\\u200b\n"])
def test_empty_input_raises(text: str) -> None:
    with pytest.raises(ExtractionError):
        clean_page_text(text)


def test_in_text_related_box_is_skipped_but_body_continues() -> None:
    text = (
        "Buses for the north\n\nBy Jane Doe\n\n"
        + "\n\n".join(PROSE[:2])
        + "\n\nRelated\n\nTen things to do in the city this weekend\n\nWhy the tram plan was shelved\n\n"
        + "\n\n".join(PROSE[2:])
        + "\n\nComments\n\nGreat news for the suburbs, finally something is being done.\n"
    )
    (article,) = clean_page_text(text)
    assert [p.text for p in article.paragraphs] == PROSE


def test_teaser_list_is_not_chosen_over_the_article() -> None:
    teasers = "\n".join(
        f"Headline number {n} about another story\n{PROSE[n % 4].replace('The', 'A', 1)} Extra words here."
        for n in range(6)
    )
    text = f"Buses for the north\n\nBy Jane Doe\n\n{PROSE[0]}\n\n{PROSE[1]}\n\n{PROSE[3]}\n\nShare this article\n\n{teasers}\n"
    article = clean_page_text(text)[0]
    assert [p.text for p in article.paragraphs] == [PROSE[0], PROSE[1], PROSE[3]]


def test_short_markdown_note_keeps_title() -> None:
    (article,) = clean_page_text("# Council notes\n\nShort body.\n")
    assert article.title == "Council notes"
    assert [p.text for p in article.paragraphs] == ["Short body."]


DE_PROSE = [
    "Der Stadtrat hat am Dienstag beschlossen, das Busnetz zu erweitern und drei neue Linien bis in die "
    "nördlichen Vororte zu führen.",
    "Nach Angaben der Verwaltung kostet der Plan rund 40 Millionen Euro, die zum größten Teil aus einem "
    "Förderprogramm des Bundes stammen.",
    "Die Anwohner waren geteilter Meinung. Manche begrüßten kürzere Wege, andere fürchteten mehr Verkehr in "
    "engen Wohnstraßen.",
]
JA_PROSE = [
    "市議会は火曜日、北部の郊外まで三つの新しい路線を延ばすバス網の拡大計画を可決した。",
    "市によると、計画の費用は約四十億円で、その大部分は春に承認された国の補助金でまかなわれる。",
    "会合で発言した住民の意見は分かれ、通勤時間の短縮を歓迎する声がある一方で、狭い住宅街の交通量を心配する声もあった。",
]


@pytest.mark.parametrize(
    ("nav", "prose", "end", "links", "footer"),
    [
        (
            ["Startseite", "Politik", "Wirtschaft", "Newsletter abonnieren"],
            DE_PROSE,
            "Mehr zum Thema",
            [
                "Die neue Straßenbahn für den Süden soll im Frühjahr gebaut werden, teilte die Stadt am Montag mit.",
                "Warum die Seilbahn über den Fluss nie gebaut wurde, obwohl sich fast alle Parteien dafür ausgesprochen "
                "hatten.",
            ],
            "© 2024 Beispiel Medien. Alle Rechte vorbehalten.",
        ),
        (
            ["ホーム", "ニュース", "ログイン"],
            JA_PROSE,
            "関連記事",
            [
                "南部の路面電車計画は来春に着工する予定で、市は住民説明会を開催する方針を示した。",
                "川を渡るロープウェー構想が実現しなかった理由について、交通の専門家に詳しく話を聞いた。",
            ],
            "Copyright © 2024 Example. 無断転載を禁じます。",
        ),
    ],
)
def test_non_english_end_markers_and_furniture(
    nav: list[str], prose: list[str], end: str, links: list[str], footer: str
) -> None:
    text = (
        "\n".join(nav) + "\n\n" + "\n\n".join(prose) + f"\n\n{end}\n" + "\n".join(links) + f"\n\n{footer}\n"
    )
    article = clean_page_text(text)[0]
    assert [p.text for p in article.paragraphs] == prose


TOUR = [
    f"June {d} – {city} @ {venue}"
    for d, city, venue in (
        (9, "West Palm Beach, FL", "Coral Sky Amphitheatre"),
        (10, "Tampa, FL", "Credit Union Amphitheatre"),
        (14, "Alpharetta, GA", "Ameris Bank Amphitheatre"),
        (17, "Nashville, TN", "Bridgestone Arena"),
        (19, "Charlotte, NC", "PNC Music Pavilion"),
    )
]
HEADLINES = [
    "Ten things to do in the city this weekend",
    "Why the tram plan was shelved for good",
    "Meet the drivers who know every stop by heart",
    "The bakery that opens before the first bus",
]


def test_table_of_short_rows_after_the_prose_is_body() -> None:
    text = (
        "Buses for the north\n\nBy Jane Doe\n\n"
        + "\n\n".join(PROSE)
        + "\n\nTour dates\n"
        + "\n".join(TOUR)
        + "\n\nShare this article\n\nMost read\n"
        + "\n".join(HEADLINES)
        + "\n"
    )
    article = clean_page_text(text)[0]
    texts = [p.text for p in article.paragraphs]
    assert texts[: len(PROSE)] == PROSE
    assert all(row in texts for row in TOUR)
    assert not any(h in texts for h in HEADLINES)


def test_headline_links_after_the_prose_are_not_body() -> None:
    text = (
        "Buses for the north\n\nBy Jane Doe\n\n"
        + "\n\n".join(PROSE)
        + "\n\nOn our radar\n"
        + "\n".join(HEADLINES)
    )
    article = clean_page_text(text)[0]
    assert [p.text for p in article.paragraphs] == PROSE


def test_lead_paragraphs_above_an_in_text_related_box_are_kept() -> None:
    lead = [f"Last year, {p[0].lower()}{p[1:]}" for p in PROSE[:2]]
    text = (
        "Buses for the north\n\nBy Jane Doe\n\n"
        + "\n\n".join(lead)
        + "\n\nRelated\n"
        + "\n".join(HEADLINES[:2])
        + "\nRelated\n"
        + "\n".join(HEADLINES[2:])
        + "\n\n"
        + "\n\n".join(PROSE)
        + "\n\nComments\n\nGreat news for the suburbs, finally something is being done.\n"
    )
    article = clean_page_text(text)[0]
    assert [p.text for p in article.paragraphs] == lead + PROSE
