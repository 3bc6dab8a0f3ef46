"""Versioned SQLite schema. Each step runs once, in order, inside one transaction; `PRAGMA user_version`
records how far a database has come. Append new steps; never edit a released one."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: articles, full-text index kept in step by triggers, dedupe bands, duplicate log
    """
    CREATE TABLE articles (
        id            INTEGER PRIMARY KEY,
        guild_id      INTEGER,
        external_id   TEXT,
        url           TEXT,
        canonical_url TEXT,
        title         TEXT NOT NULL,
        subtitle      TEXT,
        authors       TEXT NOT NULL DEFAULT '[]',
        published     TEXT,
        section       TEXT,
        source        TEXT,
        language      TEXT,
        image         TEXT,
        body          TEXT NOT NULL,
        headings      TEXT NOT NULL DEFAULT '[]',
        word_count    INTEGER NOT NULL,
        content_hash  TEXT NOT NULL,
        minhash       BLOB,
        shingle_count INTEGER NOT NULL DEFAULT 0,
        origin        TEXT NOT NULL,
        flags         TEXT NOT NULL DEFAULT '[]',
        ingested_by   TEXT,
        ingested_at   TEXT NOT NULL,
        updated_at    TEXT,
        duplicate_of  INTEGER REFERENCES articles(id) ON DELETE SET NULL,
        analysis      TEXT
    );
    CREATE INDEX articles_guild_id ON articles(guild_id, id);
    CREATE INDEX articles_canonical ON articles(canonical_url) WHERE canonical_url IS NOT NULL;
    CREATE INDEX articles_hash ON articles(content_hash);
    CREATE INDEX articles_external ON articles(external_id) WHERE external_id IS NOT NULL;
    CREATE INDEX articles_published ON articles(published);
    CREATE INDEX articles_source ON articles(source COLLATE NOCASE);

    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, subtitle, body,
        content='articles', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, subtitle, body)
        VALUES (new.id, new.title, coalesce(new.subtitle, ''), new.body);
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, subtitle, body)
        VALUES ('delete', old.id, old.title, coalesce(old.subtitle, ''), old.body);
    END;
    CREATE TRIGGER articles_au AFTER UPDATE OF title, subtitle, body ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, subtitle, body)
        VALUES ('delete', old.id, old.title, coalesce(old.subtitle, ''), old.body);
        INSERT INTO articles_fts(rowid, title, subtitle, body)
        VALUES (new.id, new.title, coalesce(new.subtitle, ''), new.body);
    END;

    CREATE TABLE dedupe_bands (
        band_key   INTEGER NOT NULL,
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        PRIMARY KEY (band_key, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX dedupe_bands_article ON dedupe_bands(article_id);

    CREATE TABLE duplicate_log (
        id          INTEGER PRIMARY KEY,
        original_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        source      TEXT NOT NULL,
        guild_id    INTEGER,
        seen_at     TEXT NOT NULL
    );
    CREATE INDEX duplicate_log_original ON duplicate_log(original_id);
    """,
    # 2: search and related pieces: bm25 column weights (title > subtitle > body), per-article vectors,
    # document frequencies of hashed terms, copy lookups and filter indexes
    """
    INSERT INTO articles_fts(articles_fts, rank) VALUES ('rank', 'bm25(4.0, 2.0, 1.0)');

    CREATE TABLE article_vectors (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        version    INTEGER NOT NULL,
        terms      BLOB NOT NULL,
        embedding  BLOB NOT NULL
    );
    CREATE TABLE term_df (
        bucket INTEGER PRIMARY KEY,
        df     INTEGER NOT NULL
    );
    CREATE TABLE search_meta (
        key   TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO search_meta (key, value) VALUES ('vector_documents', 0);
    CREATE TRIGGER article_vectors_ad AFTER DELETE ON article_vectors BEGIN
        UPDATE search_meta SET value = value - 1 WHERE key = 'vector_documents';
    END;

    CREATE INDEX articles_duplicate_of ON articles(duplicate_of) WHERE duplicate_of IS NOT NULL;
    CREATE INDEX articles_section ON articles(section COLLATE NOCASE);
    """,
    # 3: feeds (one row per URL, fetched once), per-server subscriptions, seen items (GUID / URL / content
    # keys); topics (saved searches with a schedule; `next_run_at` NULL while paused, `pending` = digest intent)
    """
    CREATE TABLE feeds (
        id             INTEGER PRIMARY KEY,
        url            TEXT NOT NULL UNIQUE,
        title          TEXT,
        etag           TEXT,
        last_modified  TEXT,
        interval_s     INTEGER NOT NULL DEFAULT 900,
        next_poll_at   TEXT NOT NULL,
        last_polled_at TEXT,
        last_ok_at     TEXT,
        failures       INTEGER NOT NULL DEFAULT 0,
        last_error     TEXT,
        paused_reason  TEXT,
        primed         INTEGER NOT NULL DEFAULT 0,
        created_at     TEXT NOT NULL
    );
    CREATE INDEX feeds_due ON feeds(next_poll_at) WHERE paused_reason IS NULL;
    CREATE TABLE feed_subscriptions (
        id             INTEGER PRIMARY KEY,
        feed_id        INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        guild_id       INTEGER,
        channel_id     INTEGER,
        topic_id       INTEGER,
        added_by       TEXT,
        paused_reason  TEXT,
        pause_notified INTEGER NOT NULL DEFAULT 0,
        created_at     TEXT NOT NULL
    );
    CREATE INDEX feed_subscriptions_feed ON feed_subscriptions(feed_id);
    CREATE INDEX feed_subscriptions_guild ON feed_subscriptions(guild_id);
    CREATE TABLE feed_items (
        feed_id    INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        key        TEXT NOT NULL,
        article_id INTEGER,
        seen_at    TEXT NOT NULL,
        PRIMARY KEY (feed_id, key)
    ) WITHOUT ROWID;
    CREATE TABLE topics (
        id              INTEGER PRIMARY KEY,
        guild_id        INTEGER,
        channel_id      INTEGER NOT NULL,
        name            TEXT,
        query           TEXT NOT NULL,
        filters         TEXT NOT NULL DEFAULT '{}',
        every           TEXT NOT NULL,
        hour            INTEGER NOT NULL,
        minute          INTEGER NOT NULL,
        timezone        TEXT NOT NULL,
        weekday         INTEGER NOT NULL DEFAULT 0,
        mention_role_id INTEGER,
        thread          INTEGER NOT NULL DEFAULT 0,
        created_by      TEXT,
        created_at      TEXT NOT NULL,
        next_run_at     TEXT,
        last_run_at     TEXT,
        last_article_id INTEGER NOT NULL DEFAULT 0,
        paused_reason   TEXT,
        pending         TEXT,
        failures        INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX topics_due ON topics(next_run_at) WHERE next_run_at IS NOT NULL;
    CREATE INDEX topics_guild ON topics(guild_id, id);
    """,
    # 4: per-server display settings (default summary length, accent colour, images)
    """
    CREATE TABLE guild_settings (
        guild_id       INTEGER PRIMARY KEY,
        summary_length TEXT NOT NULL DEFAULT 'medium',
        accent_colour  INTEGER NOT NULL,
        show_images    INTEGER NOT NULL DEFAULT 1,
        updated_at     TEXT NOT NULL
    );
    """,
    # 5: prefix indexes (2 and 3 characters) on the full-text table, so short prefix searches ("for*",
    # "Inte*") read one merged doclist instead of thousands of terms' lists; same columns, tokenizer and
    # bm25 weights; the external-content table is rebuilt from `articles`
    """
    DROP TRIGGER articles_ai;
    DROP TRIGGER articles_ad;
    DROP TRIGGER articles_au;
    DROP TABLE articles_fts;
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, subtitle, body,
        content='articles', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2',
        prefix='2 3'
    );
    INSERT INTO articles_fts(articles_fts, rank) VALUES ('rank', 'bm25(4.0, 2.0, 1.0)');
    CREATE TRIGGER articles_ai AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, subtitle, body)
        VALUES (new.id, new.title, coalesce(new.subtitle, ''), new.body);
    END;
    CREATE TRIGGER articles_ad AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, subtitle, body)
        VALUES ('delete', old.id, old.title, coalesce(old.subtitle, ''), old.body);
    END;
    CREATE TRIGGER articles_au AFTER UPDATE OF title, subtitle, body ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, title, subtitle, body)
        VALUES ('delete', old.id, old.title, coalesce(old.subtitle, ''), old.body);
        INSERT INTO articles_fts(rowid, title, subtitle, body)
        VALUES (new.id, new.title, coalesce(new.subtitle, ''), new.body);
    END;
    INSERT INTO articles_fts(articles_fts) VALUES ('rebuild');
    """,
    # 6: feed announcements owed to a channel, written with the item's seen keys so a crash between
    # storing and telling the channel does not lose them; `announced_at` set once the notifier returned
    """
    CREATE TABLE feed_announcements (
        subscription_id INTEGER NOT NULL REFERENCES feed_subscriptions(id) ON DELETE CASCADE,
        article_id      INTEGER NOT NULL,
        title           TEXT NOT NULL,
        url             TEXT,
        created_at      TEXT NOT NULL,
        announced_at    TEXT,
        PRIMARY KEY (subscription_id, article_id)
    ) WITHOUT ROWID;
    CREATE INDEX feed_announcements_pending ON feed_announcements(subscription_id) WHERE announced_at IS NULL;
    CREATE INDEX feed_announcements_created ON feed_announcements(created_at);
    """,
    # 7: a topic may carry a short briefing (timeline, key points, voices) in its digest
    """
    ALTER TABLE topics ADD COLUMN briefing INTEGER NOT NULL DEFAULT 0;
    """,
    # 8: leases on due work (topics, feeds), so several processes sharing one database run each item once;
    # a holder renews its leases while alive, and a dead holder's lease runs out; jobs a gateway process hands
    # to workers (an uploaded archive to ingest)
    """
    CREATE TABLE leases (
        kind    TEXT NOT NULL,
        item_id INTEGER NOT NULL,
        owner   TEXT NOT NULL,
        until   TEXT NOT NULL,
        PRIMARY KEY (kind, item_id)
    ) WITHOUT ROWID;
    CREATE INDEX leases_owner ON leases(owner);
    CREATE TABLE jobs (
        id         INTEGER PRIMARY KEY,
        kind       TEXT NOT NULL,
        payload    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        done_at    TEXT
    );
    CREATE INDEX jobs_open ON jobs(id) WHERE done_at IS NULL;
    """,
    # 9: the activity log (panel and slash-command changes: who, what, when), newest first per server
    """
    CREATE TABLE audit_log (
        id         INTEGER PRIMARY KEY,
        guild_id   INTEGER,
        actor      TEXT NOT NULL,
        actor_name TEXT NOT NULL,
        via        TEXT NOT NULL,
        action     TEXT NOT NULL,
        detail     TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX audit_log_guild ON audit_log(guild_id, id);
    """,
]
