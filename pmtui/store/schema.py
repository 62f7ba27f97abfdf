"""Versioned migrations. Append new migrations at the end; never edit one that has shipped.

Conventions: times are INTEGER unix seconds (UTC); token ids, market ids and condition ids are TEXT
(token ids are 77-digit decimals); prices are REAL in [0, 1]; money in the paper book is INTEGER
micro-dollars. JSON columns end in `_json`.
"""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("pmtui")


def known_migrations() -> list[str]:
    """The names of this pmtui's migrations, in order (the last one is its schema version)."""
    # sqlite-utils keeps the registered list private; this is the one place that reads it.
    return [migration.name for migration in migrations._migrations]


def _run(db: Database, statements: str) -> None:
    # One statement at a time: executescript() would COMMIT and break the migration transaction.
    buffer = ""
    for line in statements.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            db.execute(buffer)
            buffer = ""
    if buffer.strip():
        db.execute(buffer)


@migrations(name="0001_core")
def m0001_core(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE events (
            id TEXT PRIMARY KEY,
            slug TEXT,
            title TEXT,
            series_slug TEXT,
            neg_risk INTEGER NOT NULL DEFAULT 0,
            tags_json TEXT NOT NULL DEFAULT '[]',
            start_date INTEGER,
            end_date INTEGER,
            closed INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL DEFAULT 'api',
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE markets (
            id TEXT PRIMARY KEY,
            condition_id TEXT,
            question TEXT NOT NULL,
            slug TEXT,
            description TEXT,
            event_id TEXT,
            event_slug TEXT,
            event_title TEXT,
            series_slug TEXT,
            group_item_title TEXT,
            outcomes_json TEXT NOT NULL,
            token_ids_json TEXT NOT NULL,
            prices_json TEXT NOT NULL DEFAULT '[]',
            yes_price REAL,
            best_bid REAL,
            best_ask REAL,
            last_trade REAL,
            one_day_change REAL,
            volume REAL,
            volume_24h REAL,
            liquidity REAL,
            start_date INTEGER,
            end_date INTEGER,
            closed_time INTEGER,
            created_at INTEGER,
            active INTEGER NOT NULL DEFAULT 1,
            closed INTEGER NOT NULL DEFAULT 0,
            accepting_orders INTEGER NOT NULL DEFAULT 0,
            enable_order_book INTEGER NOT NULL DEFAULT 0,
            neg_risk INTEGER NOT NULL DEFAULT 0,
            neg_risk_market_id TEXT,
            uma_status TEXT,
            resolution TEXT NOT NULL DEFAULT 'unresolved'
                CHECK (resolution IN ('unresolved', 'resolved', 'void')),
            winner INTEGER,
            fee_rate REAL,
            fee_exponent REAL,
            fee_type TEXT,
            tick_size REAL,
            min_size REAL,
            tags_json TEXT NOT NULL DEFAULT '[]',
            category TEXT,
            cluster_id TEXT,
            features_json TEXT NOT NULL DEFAULT '{}',
            source TEXT NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'import', 'demo')),
            watched INTEGER NOT NULL DEFAULT 0,
            content_hash TEXT,
            first_seen INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            history_fetched_at INTEGER
        );
        CREATE INDEX idx_markets_event ON markets(event_id);
        CREATE INDEX idx_markets_category ON markets(category);
        CREATE INDEX idx_markets_cluster ON markets(cluster_id);
        CREATE INDEX idx_markets_open_volume ON markets(closed, volume_24h);
        CREATE INDEX idx_markets_resolution ON markets(resolution, closed);
        CREATE INDEX idx_markets_condition ON markets(condition_id);
        CREATE TABLE tokens (
            token_id TEXT PRIMARY KEY,
            market_id TEXT NOT NULL REFERENCES markets(id),
            outcome_index INTEGER NOT NULL,
            outcome TEXT NOT NULL
        );
        CREATE INDEX idx_tokens_market ON tokens(market_id);
        CREATE TABLE tags (
            id TEXT PRIMARY KEY,
            label TEXT,
            slug TEXT
        );
        CREATE TABLE prices (
            token_id TEXT NOT NULL,
            t INTEGER NOT NULL,
            p REAL NOT NULL,
            PRIMARY KEY (token_id, t)
        ) WITHOUT ROWID;
        CREATE TABLE quotes (
            token_id TEXT PRIMARY KEY,
            market_id TEXT NOT NULL,
            best_bid REAL,
            best_ask REAL,
            mid REAL,
            t INTEGER NOT NULL
        );
        CREATE TABLE snapshots (
            market_id TEXT NOT NULL,
            t INTEGER NOT NULL,
            yes_price REAL,
            best_bid REAL,
            best_ask REAL,
            volume_24h REAL,
            liquidity REAL,
            PRIMARY KEY (market_id, t)
        ) WITHOUT ROWID;
        CREATE TABLE api_calls (
            id INTEGER PRIMARY KEY,
            t REAL NOT NULL,
            api TEXT NOT NULL,
            endpoint TEXT NOT NULL,
            status INTEGER,
            ms REAL,
            error TEXT,
            pid INTEGER
        );
        CREATE INDEX idx_api_calls_t ON api_calls(t);
        CREATE TABLE checkpoints (
            job TEXT PRIMARY KEY,
            cursor TEXT,
            state_json TEXT NOT NULL DEFAULT '{}',
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE job_runs (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL,
            started REAL NOT NULL,
            finished REAL,
            status TEXT NOT NULL CHECK (status IN ('running', 'ok', 'error', 'cancelled')),
            summary_json TEXT NOT NULL DEFAULT '{}',
            error TEXT,
            pid INTEGER
        );
        CREATE INDEX idx_job_runs_job ON job_runs(job, started);
        CREATE TABLE errors (
            id INTEGER PRIMARY KEY,
            t INTEGER NOT NULL,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,
            record_id TEXT,
            message TEXT NOT NULL,
            payload TEXT
        );
        CREATE INDEX idx_errors_t ON errors(t);
        CREATE VIRTUAL TABLE markets_fts USING fts5(
            question, event_title, content='markets', content_rowid='rowid', tokenize='unicode61'
        );
        CREATE TRIGGER markets_fts_ai AFTER INSERT ON markets BEGIN
            INSERT INTO markets_fts(rowid, question, event_title)
            VALUES (new.rowid, new.question, new.event_title);
        END;
        CREATE TRIGGER markets_fts_ad AFTER DELETE ON markets BEGIN
            INSERT INTO markets_fts(markets_fts, rowid, question, event_title)
            VALUES ('delete', old.rowid, old.question, old.event_title);
        END;
        CREATE TRIGGER markets_fts_au AFTER UPDATE OF question, event_title ON markets BEGIN
            INSERT INTO markets_fts(markets_fts, rowid, question, event_title)
            VALUES ('delete', old.rowid, old.question, old.event_title);
            INSERT INTO markets_fts(rowid, question, event_title)
            VALUES (new.rowid, new.question, new.event_title);
        END
        """,
    )


@migrations(name="0002_signals")
def m0002_signals(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE signals (
            id INTEGER PRIMARY KEY,
            created INTEGER NOT NULL,
            updated INTEGER NOT NULL,
            market_id TEXT NOT NULL,
            token_id TEXT,
            outcome_index INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            strategy TEXT NOT NULL,
            params_json TEXT NOT NULL DEFAULT '{}',
            price REAL NOT NULL,
            price_source TEXT NOT NULL,
            est_win_prob REAL,
            est_source_json TEXT NOT NULL DEFAULT '{}',
            validated INTEGER NOT NULL DEFAULT 0,
            edge REAL,
            stake_micros INTEGER NOT NULL DEFAULT 0,
            rationale TEXT NOT NULL,
            score REAL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected', 'expired')),
            status_time INTEGER NOT NULL,
            status_reason TEXT,
            note TEXT,
            expires INTEGER NOT NULL,
            source TEXT NOT NULL DEFAULT 'api'
        );
        CREATE UNIQUE INDEX idx_signals_live ON signals(market_id, strategy, outcome_index)
            WHERE status = 'pending';
        CREATE INDEX idx_signals_status ON signals(status, score);
        CREATE TABLE signal_decisions (
            id INTEGER PRIMARY KEY,
            signal_id INTEGER NOT NULL REFERENCES signals(id),
            t INTEGER NOT NULL,
            action TEXT NOT NULL,
            decided_by TEXT NOT NULL,
            price REAL,
            note TEXT
        );
        CREATE INDEX idx_signal_decisions_signal ON signal_decisions(signal_id)
        """,
    )


@migrations(name="0003_backtests")
def m0003_backtests(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE backtest_runs (
            run_id TEXT PRIMARY KEY,
            created INTEGER NOT NULL,
            config_json TEXT NOT NULL,
            results_json TEXT NOT NULL,
            generated_data INTEGER NOT NULL DEFAULT 0,
            duration_s REAL,
            label TEXT
        );
        CREATE TABLE backtest_trades (
            run_id TEXT NOT NULL REFERENCES backtest_runs(run_id),
            strategy TEXT NOT NULL,
            market_id TEXT NOT NULL,
            category TEXT,
            decision_t INTEGER,
            resolve_t INTEGER,
            outcome_index INTEGER,
            price REAL,
            cost REAL,
            won INTEGER,
            pnl REAL,
            kelly_pnl REAL,
            skip_reason TEXT
        );
        CREATE INDEX idx_backtest_trades_run ON backtest_trades(run_id, strategy)
        """,
    )


@migrations(name="0004_paper")
def m0004_paper(db: Database) -> None:
    # Money is INTEGER micro-dollars; share counts are INTEGER micro-shares. The ledger is the source
    # of truth for cash: cash = SUM(paper_ledger.cash_micros).
    _run(
        db,
        """
        CREATE TABLE paper_positions (
            id INTEGER PRIMARY KEY,
            signal_id INTEGER UNIQUE REFERENCES signals(id),
            market_id TEXT NOT NULL,
            token_id TEXT,
            outcome_index INTEGER NOT NULL,
            outcome TEXT NOT NULL,
            strategy TEXT NOT NULL,
            category TEXT,
            cluster_id TEXT,
            event_id TEXT,
            shares_micros INTEGER NOT NULL,
            cost_micros INTEGER NOT NULL,
            fee_micros INTEGER NOT NULL DEFAULT 0,
            opened INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'settled', 'closed')),
            closed_t INTEGER,
            proceeds_micros INTEGER,
            result TEXT CHECK (result IS NULL OR result IN ('win', 'loss', 'void', 'sold')),
            mark_price REAL,
            marked_t INTEGER
        );
        CREATE INDEX idx_paper_positions_status ON paper_positions(status, market_id);
        CREATE TABLE paper_fills (
            id INTEGER PRIMARY KEY,
            position_id INTEGER NOT NULL REFERENCES paper_positions(id),
            t INTEGER NOT NULL,
            side TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
            shares_micros INTEGER NOT NULL,
            price_micros INTEGER NOT NULL,
            fee_micros INTEGER NOT NULL,
            price_source TEXT NOT NULL
        );
        CREATE TABLE paper_ledger (
            id INTEGER PRIMARY KEY,
            t INTEGER NOT NULL,
            kind TEXT NOT NULL CHECK (kind IN ('deposit', 'buy', 'fee', 'sell', 'settle', 'refund')),
            cash_micros INTEGER NOT NULL,
            position_id INTEGER REFERENCES paper_positions(id),
            memo TEXT
        );
        CREATE TABLE alerts_outbox (
            id INTEGER PRIMARY KEY,
            created INTEGER NOT NULL,
            kind TEXT NOT NULL,
            dedupe_key TEXT UNIQUE,
            text TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt INTEGER NOT NULL,
            sent_at INTEGER,
            last_error TEXT
        )
        """,
    )


@migrations(name="0005_paper_alerts_indexes")
def m0005_paper_alerts_indexes(db: Database) -> None:
    # The sender polls pending alerts by due time; the ledger check and position views read fills and
    # ledger rows per position.
    _run(
        db,
        """
        CREATE INDEX idx_alerts_outbox_due ON alerts_outbox(status, next_attempt);
        CREATE INDEX idx_paper_fills_position ON paper_fills(position_id);
        CREATE INDEX idx_paper_ledger_position ON paper_ledger(position_id, kind)
        """,
    )


@migrations(name="0005_signals_cost")
def m0005_signals_cost(db: Database) -> None:
    # What a signal was computed from: the evaluation time (prices as of), the all-in cost per share
    # (executable price + slippage + taker fee) and the fee part of it, and the category/cluster the
    # batch used (the market row may not carry them when the taxonomy ran in memory).
    _run(
        db,
        """
        ALTER TABLE signals ADD COLUMN decision_t INTEGER;
        ALTER TABLE signals ADD COLUMN cost REAL;
        ALTER TABLE signals ADD COLUMN fee REAL;
        ALTER TABLE signals ADD COLUMN category TEXT;
        ALTER TABLE signals ADD COLUMN cluster_id TEXT;
        CREATE INDEX idx_signals_market ON signals(market_id, strategy, outcome_index, status)
        """,
    )


@migrations(name="0005_backtest_trade_prices")
def m0005_backtest_trade_prices(db: Database) -> None:
    # What a backtest decision saw, so every trade can be audited: the YES price used and the time
    # of that price point (`price` is the price of the outcome bought), and the stake fractional
    # Kelly gave it. The created index serves "the latest run of a strategy".
    _run(
        db,
        """
        ALTER TABLE backtest_trades ADD COLUMN yes_price REAL;
        ALTER TABLE backtest_trades ADD COLUMN price_t INTEGER;
        ALTER TABLE backtest_trades ADD COLUMN kelly_stake REAL;
        CREATE INDEX idx_backtest_runs_created ON backtest_runs(created)
        """,
    )


@migrations(name="0005_data_resolution_checks")
def m0005_data_resolution_checks(db: Database) -> None:
    # When the resolutions job last asked Gamma about an unresolved market, so each cycle checks the
    # longest-unchecked ones first instead of the same few forever.
    _run(db, "ALTER TABLE markets ADD COLUMN resolution_checked_at INTEGER")


@migrations(name="0006_taxonomy_category_source")
def m0006_taxonomy_category_source(db: Database) -> None:
    # Who set markets.category: 'file' (an imported file or the demo stated it; the taxonomy keeps it)
    # or 'rules' (the taxonomy computed it and may recompute it). Categories stored before this
    # migration came from files (the taxonomy did not exist yet).
    _run(
        db,
        """
        ALTER TABLE markets ADD COLUMN category_source TEXT;
        UPDATE markets SET category_source = 'file' WHERE category IS NOT NULL
        """,
    )


@migrations(name="0007_leaner_market_writes")
def m0007_leaner_market_writes(db: Database) -> None:
    # Writing markets is the collector's hot path (issue 2: >= 20,000 parsed + stored markets/s).
    # Measured per inserted market: the FTS5 index cost more than the row itself, the secondary
    # indexes about as much again.
    # - idx_markets_event / idx_markets_condition: no query filters, joins or sorts on event_id or
    #   condition_id (grep the SQL), so they were maintained on every write for nothing.
    # - markets_fts is rebuilt with columnsize=0: the per-row size table (`markets_fts_docsize`) only
    #   serves bm25()/rank, which nothing uses; MATCH results are identical. Same columns, tokenizer
    #   and external content, and the same triggers.
    _run(
        db,
        """
        DROP INDEX IF EXISTS idx_markets_event;
        DROP INDEX IF EXISTS idx_markets_condition;
        DROP TRIGGER markets_fts_ai;
        DROP TRIGGER markets_fts_ad;
        DROP TRIGGER markets_fts_au;
        DROP TABLE markets_fts;
        CREATE VIRTUAL TABLE markets_fts USING fts5(
            question, event_title, content='markets', content_rowid='rowid', tokenize='unicode61',
            columnsize=0
        );
        INSERT INTO markets_fts(markets_fts) VALUES ('rebuild');
        CREATE TRIGGER markets_fts_ai AFTER INSERT ON markets BEGIN
            INSERT INTO markets_fts(rowid, question, event_title)
            VALUES (new.rowid, new.question, new.event_title);
        END;
        CREATE TRIGGER markets_fts_ad AFTER DELETE ON markets BEGIN
            INSERT INTO markets_fts(markets_fts, rowid, question, event_title)
            VALUES ('delete', old.rowid, old.question, old.event_title);
        END;
        CREATE TRIGGER markets_fts_au AFTER UPDATE OF question, event_title ON markets BEGIN
            INSERT INTO markets_fts(markets_fts, rowid, question, event_title)
            VALUES ('delete', old.rowid, old.question, old.event_title);
            INSERT INTO markets_fts(rowid, question, event_title)
            VALUES (new.rowid, new.question, new.event_title);
        END
        """,
    )


@migrations(name="0008_one_market_writer")
def m0008_one_market_writer(db: Database) -> None:
    # The one market writer (pmtui/store/markets.py) categorizes in the same transaction as the write,
    # and only when what the taxonomy reads changed: `taxonomy_key` is a digest of those inputs
    # (question, tags, event and series slugs, event id, end date, a stated category) as of the last
    # categorization; NULL (rows stored before) means "categorize at the next change".
    # The FTS update trigger fired whenever an UPDATE named question or event_title, i.e. on every
    # upsert of a changed price too; it now re-indexes only when one of them really changed (same
    # index content, same search results).
    _run(
        db,
        """
        ALTER TABLE markets ADD COLUMN taxonomy_key TEXT;
        DROP TRIGGER markets_fts_au;
        CREATE TRIGGER markets_fts_au AFTER UPDATE OF question, event_title ON markets
        WHEN old.question IS NOT new.question OR old.event_title IS NOT new.event_title BEGIN
            INSERT INTO markets_fts(markets_fts, rowid, question, event_title)
            VALUES ('delete', old.rowid, old.question, old.event_title);
            INSERT INTO markets_fts(rowid, question, event_title)
            VALUES (new.rowid, new.question, new.event_title);
        END
        """,
    )


@migrations(name="0009_price_alert_state")
def m0009_price_alert_state(db: Database) -> None:
    # Price alerts fire once per crossing of a threshold (pmtui/alerts/price.py): whether each
    # threshold is armed and how many times it fired live here, shared by every pmtui process.
    _run(
        db,
        """
        CREATE TABLE price_alert_state (
            market_id TEXT NOT NULL,
            rule TEXT NOT NULL CHECK (rule IN ('above', 'below')),
            level REAL NOT NULL,
            armed INTEGER NOT NULL,
            episode INTEGER NOT NULL DEFAULT 0,
            price REAL,
            t INTEGER,
            PRIMARY KEY (market_id, rule)
        )
        """,
    )


@migrations(name="0010_market_resolution_source")
def m0010_market_resolution_source(db: Database) -> None:
    # Gamma's `resolutionSource`, shown in the market detail beside the rules (issue 12.6). Markets
    # stored before this read NULL until the catalogue next rewrites them.
    _run(db, "ALTER TABLE markets ADD COLUMN resolution_source TEXT")


@migrations(name="0011_tokens_in_markets_only")
def m0011_tokens_in_markets_only(db: Database) -> None:
    # A market's CLOB token ids live in markets.token_ids_json (outcome order), which is what every
    # reader uses; the separate `tokens` table was read only by `pmtui export prices` (to name each
    # price series' market), yet cost each market write 20-38 us: random 77-digit keys dirty a
    # random page per token. The export now joins json_each(token_ids_json) instead.
    _run(db, "DROP TABLE tokens")


@migrations(name="0012_alerts_uncertain")
def m0012_alerts_uncertain(db: Database) -> None:
    # An alert sent without an answer (a read timeout, a dropped connection) may have been delivered:
    # status 'uncertain' keeps it out of the automatic retries (pmtui/alerts/sender.py). SQLite
    # cannot change a CHECK constraint in place, so the table is rebuilt with the same columns.
    _run(
        db,
        """
        CREATE TABLE alerts_outbox_new (
            id INTEGER PRIMARY KEY,
            created INTEGER NOT NULL,
            kind TEXT NOT NULL,
            dedupe_key TEXT UNIQUE,
            text TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sent', 'failed', 'uncertain')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt INTEGER NOT NULL,
            sent_at INTEGER,
            last_error TEXT
        );
        INSERT INTO alerts_outbox_new (id, created, kind, dedupe_key, text, status, attempts, next_attempt,
            sent_at, last_error)
        SELECT id, created, kind, dedupe_key, text, status, attempts, next_attempt, sent_at, last_error
        FROM alerts_outbox;
        DROP TABLE alerts_outbox;
        ALTER TABLE alerts_outbox_new RENAME TO alerts_outbox;
        CREATE INDEX idx_alerts_outbox_due ON alerts_outbox(status, next_attempt)
        """,
    )


@migrations(name="0013_store_versions")
def m0013_store_versions(db: Database) -> None:
    # What changed, without scanning: one row per topic the app shows, bumped by triggers in the
    # writer's own transaction (so every writer counts, in any process), read by the TUI once a
    # second as its "the store changed" signal. `newest` keeps the freshest price time, which the
    # status bar used to find with a full scan of `markets` at every refresh.
    # Measured on 100,000 market inserts: +0.3-1 µs a row (the FTS trigger costs ~28 µs).
    # The markets update trigger lists the columns the tabs show or filter on, so the bookkeeping
    # updates of `history_fetched_at` and `resolution_checked_at` bump nothing.
    # Also: a partial index answers "is there demo data?" at once instead of scanning every market,
    # and one on (status, started) counts failed job runs of the last 24 h.
    _run(
        db,
        """
        CREATE TABLE store_versions (
            topic TEXT PRIMARY KEY,
            version INTEGER NOT NULL DEFAULT 0,
            newest INTEGER
        ) WITHOUT ROWID;
        INSERT INTO store_versions (topic, newest) VALUES
            ('markets', (SELECT max(updated_at) FROM markets WHERE source = 'api')),
            ('quotes', (SELECT max(t) FROM quotes)),
            ('signals', NULL),
            ('paper', NULL),
            ('backtests', NULL),
            ('jobs', NULL);
        CREATE TRIGGER store_versions_markets_ai AFTER INSERT ON markets BEGIN
            UPDATE store_versions SET version = version + 1,
                newest = CASE WHEN new.source = 'api' THEN max(coalesce(newest, 0), new.updated_at) ELSE newest END
            WHERE topic = 'markets';
        END;
        CREATE TRIGGER store_versions_markets_au AFTER UPDATE OF
            question, event_title, outcomes_json, prices_json, yes_price, best_bid, best_ask, one_day_change,
            volume, volume_24h, liquidity, end_date, closed, resolution, winner, category, cluster_id,
            features_json, watched, source, updated_at
        ON markets BEGIN
            UPDATE store_versions SET version = version + 1,
                newest = CASE WHEN new.source = 'api' THEN max(coalesce(newest, 0), new.updated_at) ELSE newest END
            WHERE topic = 'markets';
        END;
        CREATE TRIGGER store_versions_markets_ad AFTER DELETE ON markets BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'markets';
        END;
        CREATE TRIGGER store_versions_quotes_ai AFTER INSERT ON quotes BEGIN
            UPDATE store_versions SET version = version + 1, newest = max(coalesce(newest, 0), new.t)
            WHERE topic = 'quotes';
        END;
        CREATE TRIGGER store_versions_quotes_au AFTER UPDATE ON quotes BEGIN
            UPDATE store_versions SET version = version + 1, newest = max(coalesce(newest, 0), new.t)
            WHERE topic = 'quotes';
        END;
        CREATE TRIGGER store_versions_signals_ai AFTER INSERT ON signals BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'signals';
        END;
        CREATE TRIGGER store_versions_signals_au AFTER UPDATE ON signals BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'signals';
        END;
        CREATE TRIGGER store_versions_signals_ad AFTER DELETE ON signals BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'signals';
        END;
        CREATE TRIGGER store_versions_positions_ai AFTER INSERT ON paper_positions BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'paper';
        END;
        CREATE TRIGGER store_versions_positions_au AFTER UPDATE ON paper_positions BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'paper';
        END;
        CREATE TRIGGER store_versions_ledger_ai AFTER INSERT ON paper_ledger BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'paper';
        END;
        CREATE TRIGGER store_versions_backtests_ai AFTER INSERT ON backtest_runs BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'backtests';
        END;
        CREATE TRIGGER store_versions_backtests_ad AFTER DELETE ON backtest_runs BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'backtests';
        END;
        CREATE TRIGGER store_versions_jobs_ai AFTER INSERT ON job_runs BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'jobs';
        END;
        CREATE TRIGGER store_versions_jobs_au AFTER UPDATE ON job_runs BEGIN
            UPDATE store_versions SET version = version + 1 WHERE topic = 'jobs';
        END;
        CREATE INDEX idx_markets_demo ON markets(source) WHERE source = 'demo';
        CREATE INDEX idx_job_runs_status ON job_runs(status, started)
        """,
    )


@migrations(name="0014_search_prefix_index")
def m0014_search_prefix_index(db: Database) -> None:
    # A search keystroke of one or two letters (`d`, `al`) is a prefix query matching thousands of
    # words; FTS5 merged every matching word's list at each keystroke. With `prefix='1 2'` the index
    # holds the one- and two-letter prefixes as terms of their own, so that is one list read lazily.
    # Measured at 500,000 markets: the page query for `d` 60 -> 36 ms, `a` 52 -> 26 ms; `pmtui import`
    # of 30,000 markets (the collector's writer) 4.3 s CPU either way; the store 4.5% larger. Same
    # columns, tokenizer, external content, triggers and search results; the rebuild takes ~11 s at
    # 500,000 markets, once.
    _run(
        db,
        """
        DROP TRIGGER markets_fts_ai;
        DROP TRIGGER markets_fts_ad;
        DROP TRIGGER markets_fts_au;
        DROP TABLE markets_fts;
        CREATE VIRTUAL TABLE markets_fts USING fts5(
            question, event_title, content='markets', content_rowid='rowid', tokenize='unicode61',
            columnsize=0, prefix='1 2'
        );
        INSERT INTO markets_fts(markets_fts) VALUES ('rebuild');
        CREATE TRIGGER markets_fts_ai AFTER INSERT ON markets BEGIN
            INSERT INTO markets_fts(rowid, question, event_title)
            VALUES (new.rowid, new.question, new.event_title);
        END;
        CREATE TRIGGER markets_fts_ad AFTER DELETE ON markets BEGIN
            INSERT INTO markets_fts(markets_fts, rowid, question, event_title)
            VALUES ('delete', old.rowid, old.question, old.event_title);
        END;
        CREATE TRIGGER markets_fts_au AFTER UPDATE OF question, event_title ON markets
        WHEN old.question IS NOT new.question OR old.event_title IS NOT new.event_title BEGIN
            INSERT INTO markets_fts(markets_fts, rowid, question, event_title)
            VALUES ('delete', old.rowid, old.question, old.event_title);
            INSERT INTO markets_fts(rowid, question, event_title)
            VALUES (new.rowid, new.question, new.event_title);
        END
        """,
    )
