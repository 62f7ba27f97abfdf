"""Clusters tab: categories with counts, lazy clusters and markets, the family pane."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.widgets import Tree

from pmtui.store import connect, write_tx
from pmtui.tui.app import PmtuiApp
from pmtui.tui.tabs.clusters import NodeRef
from pmtui.tui.widgets.table import VimTable
from tests.tui.conftest import plain, rendered_text, settle
from tests.tui.store_fixture import DAY, INJECTION, market

AppFactory = Callable[..., PmtuiApp]


def tree_of(app: PmtuiApp) -> Tree[NodeRef]:
    return app.query_one("#cluster-tree", Tree)


def labels(node: object) -> list[str]:
    return [plain(child.label) for child in node.children]  # type: ignore[attr-defined]


async def open_category(pilot: object, app: PmtuiApp, category: str) -> None:
    tree = tree_of(app)
    node = next(n for n in tree.root.children if n.data and n.data.key == category)
    tree.move_cursor(node)
    await pilot.press("l")  # type: ignore[attr-defined]
    await settle(pilot)  # type: ignore[arg-type]


async def test_tree_lists_categories_with_counts(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await settle(pilot)
        assert app.focused is tree_of(app)
        shown = labels(tree_of(app).root)
        assert "Crypto/BTC-Price  1 cluster · 3 markets" in shown
        assert "Weather/Temperature  1 cluster · 3 markets" in shown
        # the resolved BTC market is not counted until `o`
        await pilot.press("o")
        await settle(pilot)
        assert "Crypto/BTC-Price  2 clusters · 4 markets" in labels(tree_of(app).root)


async def test_expanding_a_cluster_shows_its_markets_and_pane(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_category(pilot, app, "Weather/Temperature")
        category = tree_of(app).cursor_node
        assert category is not None
        assert labels(category) == ["Highest temperature in NYC on January 16?  3"]
        await pilot.press("j", "l")
        await settle(pilot)
        cluster = tree_of(app).cursor_node
        assert cluster is not None and len(cluster.children) == 3
        table = app.query_one("#cluster-table", VimTable)
        assert table.row_count == 3
        assert (
            rendered_text(app.query_one("#cluster-title")).strip()
            == "Highest temperature in NYC on January 16?"
        )
        # highlighting a market of the cluster puts the pane's cursor on it
        await pilot.press("j", "j")
        await settle(pilot)
        assert table.cursor_key == tree_of(app).cursor_node.data.key  # type: ignore[union-attr]


async def test_clusters_with_the_same_title_say_when_they_end(make_app: AppFactory, store: Path) -> None:
    """A yearly event ("What price will Bitcoin hit in December?") is a new cluster each time: rows
    with the same title carry the day their last market ends; a title of its own stays as it is."""
    title = "What price will Bitcoin hit in December?"
    db = connect(store)
    with write_tx(db):
        db["markets"].insert_all(
            [
                market(
                    "dec-a",
                    "Will Bitcoin reach $150K in December?",
                    category="Crypto/Altcoins",
                    cluster="dec-a",
                    event_title=title,
                    closes_in=10 * DAY,
                ),
                market(
                    "dec-b",
                    "Will Bitcoin reach $150K in December?",
                    category="Crypto/Altcoins",
                    cluster="dec-b",
                    event_title=title,
                    closes_in=375 * DAY,
                ),
                market("sol", "Will Solana reach $500?", category="Crypto/Altcoins", cluster="sol"),
            ]
        )
    db.conn.close()
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_category(pilot, app, "Crypto/Altcoins")
        cursor = tree_of(app).cursor_node
        assert cursor is not None
        shown = labels(cursor)
        # At 120 columns the tree elides the middle: the title's start and the day both show.
        dated = sorted(label for label in shown if label.startswith("What price will Bitcoin"))
        assert [label[-len("2026-01-25  1") :] for label in dated] == ["2026-01-25  1", "2027-01-25  1"]
        assert "Will Solana reach $500?  1" in shown
    async with make_app().run_test(size=(200, 35)) as pilot:
        app = pilot.app
        await settle(pilot)
        await pilot.press("2")
        await open_category(pilot, app, "Crypto/Altcoins")
        shown = labels(tree_of(app).cursor_node)
        assert f"{title} · ends 2026-01-25  1" in shown and f"{title} · ends 2027-01-25  1" in shown


async def test_untrusted_labels_are_literal(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_category(pilot, app, "Politics/Election")
        cursor = tree_of(app).cursor_node
        assert cursor is not None
        assert labels(cursor) == [f"{INJECTION}  1"]
        await pilot.press("j")
        await settle(pilot)
        assert INJECTION in rendered_text(app.query_one("#cluster-title"))
        assert INJECTION in rendered_text(tree_of(app))


async def test_pane_shows_the_ladder_in_order_with_its_contradiction_flagged(
    make_app: AppFactory, store: Path
) -> None:
    """The stored BTC ladder prices $200K above $150K: the pane orders it by level and says so. Two
    rungs are added whose ids sort before the others and that have no stored features (read from
    their questions)."""
    db = connect(store)
    with write_tx(db):
        for mid, level, yes in (("090", "$250K", 0.04), ("095", "$100,000", 0.66)):
            row = market(
                mid,
                f"Will Bitcoin reach {level} by March 31, 2026?",
                category="Crypto/BTC-Price",
                cluster="crypto-btc-reach-2026-03-31",
                yes=yes,
                closes_in=75 * DAY,
            )
            db["markets"].insert(row)
    db.conn.close()
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_category(pilot, app, "Crypto/BTC-Price")
        await pilot.press("j")  # the ladder's cluster
        await settle(pilot)
        table = app.query_one("#cluster-table", VimTable)
        assert [str(key.value) for key in table.rows] == ["095", "101", "102", "103", "090"]
        levels = [plain(table.get_row_at(i)[1]) for i in range(5)]
        # the stored features of 101-103 have no unit: the question supplies it
        assert levels == ["$100,000", "$120,000", "$150,000", "$200,000", "$250,000"]
        flags = " ".join(rendered_text(app.query_one("#cluster-flags")).split())  # unwrapped
        assert "reach ladder (2026-03-31): $200,000 at 19¢ is priced over $150,000 at 12¢" in flags
        assert flags.count("⚠") == 1


async def test_pane_of_a_consistent_family_has_no_flags(make_app: AppFactory) -> None:
    app = make_app()
    async with app.run_test(size=(120, 35)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        await open_category(pilot, app, "Sports/NBA")
        await pilot.press("j")
        await settle(pilot)
        assert app.query_one("#cluster-table", VimTable).row_count == 1
        assert rendered_text(app.query_one("#cluster-flags")).strip() == ""
