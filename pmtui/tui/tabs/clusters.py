"""Clusters tab: category → cluster → market tree; the highlighted cluster's markets on the right.

The tree loads lazily (a category's clusters when it is expanded, a cluster's markets likewise), so a
store of 20,000 markets opens instantly. A cluster's markets come in ladder order (by threshold or
bucket) and its contradicting prices are flagged under the pane; both are the taxonomy core's
(`pmtui.taxonomy.ladder`), computed in the reading thread.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import ClassVar, Literal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Static, Tree
from textual.widgets.tree import NodeID, TreeNode

from pmtui.taxonomy.ladder import Flag, consistency_flags, ladder, level_text
from pmtui.tui import formatting as fmt
from pmtui.tui.context import TuiContext
from pmtui.tui.elide import fit_column
from pmtui.tui.messages import ClusterMembersLoaded, ClusterPageLoaded, ClusterTreeLoaded
from pmtui.tui.queries import open_store
from pmtui.tui.queries.clusters import (
    CategoryCount,
    ClusterMarket,
    ClusterSummary,
    category_counts,
    cluster_markets,
    clusters_in,
)
from pmtui.tui.tabs.base import TabView
from pmtui.tui.widgets.table import VimTable
from pmtui.tui.widgets.tree import VimTree


@dataclass(frozen=True)
class NodeRef:
    kind: Literal["category", "cluster", "market", "note"]
    key: str
    """Category name, cluster id or market id."""
    cluster_id: str | None = None


def count_words(item: CategoryCount) -> str:
    return f"{fmt.plural(item.clusters, 'cluster')} · {fmt.plural(item.markets, 'market')}"


def told_apart(clusters: Sequence[ClusterSummary]) -> list[str]:
    """Each cluster's label, with the day its last market ends when another cluster on the page has
    the same title ("What price will Bitcoin hit in December?" is a new event every year)."""
    seen = Counter(cluster.label for cluster in clusters)
    return [
        f"{c.label} · ends {fmt.utc_day(c.end_date)}" if seen[c.label] > 1 and c.end_date else c.label
        for c in clusters
    ]


def counted(label: Text, count: str) -> Text:
    return Text.assemble(label, (f"  {count}", "dim"))


class ClustersTab(TabView):
    """Tab 2: families of markets seen as one."""

    WATCHES = frozenset({"markets"})
    RELOAD_GAP = 5.0  # counting categories reads every market: not at every page a collector stores

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "toggle_closed", "Open/all"),
        Binding("r", "reload", "Reload"),
    ]

    def __init__(self, ctx: TuiContext, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(ctx, id=id)
        self.include_closed = False
        self._loaded: set[int] = set()
        self._pane_cluster: str | None = None
        self._pane_market: str | None = None
        self._pane_timer: Timer | None = None
        self._pane_shown: (
            tuple[str | None, list[ClusterMarket], list[Flag] | None, dict[str, str] | None] | None
        ) = None
        """What the pane shows (to lay it out again at a new width)."""
        self._pane_width = 0
        self._counts: list[CategoryCount] = []
        """The category counts the tree shows (worded again when its width changes)."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield VimTree(Text("categories"), id="cluster-tree")
            with Vertical(id="cluster-pane"):
                yield Static("", id="cluster-title", markup=False)
                yield Static("", id="cluster-summary")
                yield VimTable(id="cluster-table")
                yield Static("", id="cluster-flags")

    @property
    def family_tree(self) -> VimTree[NodeRef]:
        return self.query_one("#cluster-tree", VimTree)

    def on_mount(self) -> None:
        tree = self.family_tree
        tree.show_root = False
        tree.guide_depth = 2
        table = self.query_one("#cluster-table", VimTable)
        table.can_focus = False  # the tree drives this pane
        self._show_pane(None, [])

    def start(self) -> None:
        self._load_categories()

    # --- tree -------------------------------------------------------------------------------------

    def _load_categories(self) -> None:
        self.run_in_thread(
            self._read_categories, group="cluster-tree", description="Reading categories", exclusive=True
        )

    def _read_categories(self) -> None:
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            counts = category_counts(db, include_closed=self.include_closed)
        self.post_message(ClusterTreeLoaded(counts))

    def reload_changed(self) -> None:
        """Markets were stored or re-categorized: the category counts are read again and updated in
        place (what is open stays open); the tree is rebuilt only while nothing in it is open."""
        self._load_categories()

    @staticmethod
    def _worded(counts: list[CategoryCount], room: int) -> bool:
        """Whether every category label fits with its counts in words; else all show the number
        of markets alone (as cluster nodes do), rather than some in words and some cut."""
        return all(len(i.category) + 2 + len(count_words(i)) <= room for i in counts)

    def _category_label(self, item: CategoryCount, worded: bool) -> Text:
        count = count_words(item) if worded else f"{item.markets:,}"
        return counted(fmt.literal(item.category, style="bold"), count)

    @on(ClusterTreeLoaded)
    def _categories_loaded(self, message: ClusterTreeLoaded) -> None:
        message.stop()
        tree = self.family_tree
        self._counts = message.counts
        worded = self._worded(message.counts, self._label_room(depth=1))
        nodes = {
            node.data.key: node for node in tree.root.children if node.data and node.data.kind == "category"
        }
        if self._loaded and message.counts:
            self._update_categories(nodes, message.counts, worded)
            return
        cursor = tree.cursor_node.data.key if tree.cursor_node and tree.cursor_node.data else None
        tree.clear()
        self._loaded.clear()
        if not message.counts:
            tree.root.add_leaf(Text("no markets stored yet", style="dim"), NodeRef("note", ""))
            return
        for item in message.counts:
            node = tree.root.add(
                self._category_label(item, worded), NodeRef("category", item.category), allow_expand=True
            )
            if item.category == cursor:
                tree.move_cursor(node)
        if cursor is None or cursor not in {item.category for item in message.counts}:
            tree.cursor_line = 0

    def _update_categories(
        self, nodes: dict[str, TreeNode[NodeRef]], counts: list[CategoryCount], worded: bool
    ) -> None:
        """New counts on the existing category nodes; new categories in their sorted place."""
        for index, item in enumerate(counts):
            node = nodes.get(item.category)
            if node is not None:
                node.set_label(self._category_label(item, worded))
                continue
            later = next((nodes[c.category] for c in counts[index + 1 :] if c.category in nodes), None)
            label, ref = self._category_label(item, worded), NodeRef("category", item.category)
            if later is not None:
                nodes[item.category] = self.family_tree.root.add(label, ref, before=later, allow_expand=True)
            else:
                nodes[item.category] = self.family_tree.root.add(label, ref, allow_expand=True)

    @on(Tree.NodeExpanded, "#cluster-tree")
    def _node_expanded(self, event: Tree.NodeExpanded[NodeRef]) -> None:
        event.stop()
        node = event.node
        if node.id in self._loaded or node.data is None:
            return
        self._loaded.add(node.id)
        if node.data.kind == "category":
            work = partial(self._read_clusters, node.id, node.data.key)
            self.run_in_thread(work, group="cluster-children", description="Reading clusters")
        elif node.data.kind == "cluster":
            work = partial(self._read_members, node.data.key, node.id)
            self.run_in_thread(work, group="cluster-children", description="Reading cluster markets")

    def _read_clusters(self, node_id: int, category: str) -> None:
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            page = clusters_in(db, category, include_closed=self.include_closed)
        self.post_message(ClusterPageLoaded(node_id, page))

    @on(ClusterPageLoaded)
    def _clusters_loaded(self, message: ClusterPageLoaded) -> None:
        message.stop()
        node = self._node(message.node_id)
        if node is None:
            return
        room = self._label_room(depth=2)
        sizes = [f"  {cluster.size}" for cluster in message.page.clusters]
        labels = told_apart(message.page.clusters)
        fitted = fit_column(labels, max(12, room - max((len(s) for s in sizes), default=0)))
        for cluster, label in zip(message.page.clusters, fitted, strict=True):
            node.add(
                counted(label, f"{cluster.size}"),
                NodeRef("cluster", cluster.cluster_id, cluster.cluster_id),
                allow_expand=True,
            )
        hidden = message.page.total - len(message.page.clusters)
        if hidden > 0:
            node.add_leaf(Text(f"… {hidden:,} smaller clusters not shown", style="dim"), NodeRef("note", ""))

    def _label_room(self, depth: int) -> int:
        """Cells a label has at `depth` (1 = categories) before the tree must scroll sideways: the
        tree's width less the guides and the expand arrow in front of it, and the scrollbar."""
        tree = self.family_tree
        width = tree.scrollable_content_region.width or tree.size.width or 60
        return width - tree.guide_depth * (depth - 1) - 2 - 1

    def _read_members(self, cluster_id: str, node_id: int | None) -> None:
        with open_store(self.ctx.store_path, busy_timeout=self.ctx.busy_timeout) as db:
            markets = cluster_markets(db, cluster_id, include_closed=self.include_closed)
        rungs = ladder(markets)
        ordered = [rung.row for rung in rungs]
        if node_id is not None:
            self.post_message(ClusterMembersLoaded(cluster_id, node_id, ordered))
            return
        levels = {rung.market_id: level_text(rung) for rung in rungs if rung.sort_value is not None}
        flags = consistency_flags(markets)
        self.post_message(ClusterMembersLoaded(cluster_id, node_id, ordered, flags, levels))

    @on(ClusterMembersLoaded)
    def _members_loaded(self, message: ClusterMembersLoaded) -> None:
        message.stop()
        if message.node_id is not None:
            node = self._node(message.node_id)
            if node is not None:
                prices = ["  " + fmt.cents(market.yes_price) for market in message.markets]
                room = self._label_room(depth=3) - max((len(p) for p in prices), default=0)
                questions = fit_column([m.question for m in message.markets], max(12, room))
                for market, question, price in zip(message.markets, questions, prices, strict=True):
                    label = Text.assemble(question, (price, "dim"))
                    node.add_leaf(label, NodeRef("market", market.id, message.cluster_id))
            return
        if message.cluster_id == self._pane_cluster:
            self._show_pane(message.cluster_id, message.markets, message.flags, message.levels)

    def _node(self, node_id: int) -> TreeNode[NodeRef] | None:
        try:
            return self.family_tree.get_node_by_id(NodeID(node_id))
        except Exception:  # the tree was reloaded meanwhile
            return None

    # --- pane -------------------------------------------------------------------------------------

    @on(Tree.NodeHighlighted, "#cluster-tree")
    def _node_highlighted(self, event: Tree.NodeHighlighted[NodeRef]) -> None:
        event.stop()
        ref = event.node.data
        if ref is None or ref.cluster_id is None:
            return
        self._pane_market = ref.key if ref.kind == "market" else None
        if ref.cluster_id == self._pane_cluster:
            self._mark_market()
            return
        self._pane_cluster = ref.cluster_id
        if self._pane_timer is not None:
            self._pane_timer.stop()
        if self.ctx.rest_delay <= 0:
            self._load_pane(ref.cluster_id)
        else:
            self._pane_timer = self.set_timer(self.ctx.rest_delay, partial(self._load_pane, ref.cluster_id))

    def _load_pane(self, cluster_id: str) -> None:
        if cluster_id != self._pane_cluster:
            return
        self.run_in_thread(
            partial(self._read_members, cluster_id, None),
            group="cluster-pane",
            description="Reading cluster",
            exclusive=True,
        )

    def on_resize(self) -> None:
        # The pane's columns are laid out for its width (also when the tab is first shown), and the
        # category counts worded for the tree's.
        width = self.query_one("#cluster-pane").content_region.width
        if self._pane_shown is not None and width != self._pane_width:
            self._show_pane(*self._pane_shown)
        if self._counts:
            nodes = {
                node.data.key: node
                for node in self.family_tree.root.children
                if node.data and node.data.kind == "category"
            }
            self._update_categories(
                nodes, self._counts, self._worded(self._counts, self._label_room(depth=1))
            )

    def _show_pane(
        self,
        cluster_id: str | None,
        markets: list[ClusterMarket],
        flags: list[Flag] | None = None,
        levels: dict[str, str] | None = None,
    ) -> None:
        self._pane_shown = (cluster_id, markets, flags, levels)
        self._pane_width = self.query_one("#cluster-pane").content_region.width
        title = self.query_one("#cluster-title", Static)
        summary = self.query_one("#cluster-summary", Static)
        flags_view = self.query_one("#cluster-flags", Static)
        table = self.query_one("#cluster-table", VimTable)
        table.clear(columns=True)
        if cluster_id is None:
            title.update("Pick a cluster on the left (j/k to move, l to open)")
            summary.update("")
            flags_view.update("")
            return
        title.update(fmt.literal(family_name(markets, cluster_id)))
        count = fmt.plural(len(markets), "market")
        summary.update(Text.assemble(fmt.literal(cluster_id, style="dim"), f" · {count}"))
        now = self.ctx.now()
        width = self.query_one("#cluster-pane").content_region.width or 60
        levels = levels or {}
        columns = [("question", "Market")]
        # The ladder's levels ("$150,000", "30–31°F") when the family has them: a bucket's question
        # is often clipped before the part that tells it from its siblings.
        level_width = min(max((len(level) for level in levels.values()), default=0), 16)
        if level_width:
            columns.append(("level", "Level"))
        columns.append(("yes", "YES"))
        if width >= 70:
            columns += [("bid", "Bid"), ("ask", "Ask")]
        columns.append(("closes", "Closes in"))
        for key, label in columns:
            table.add_column(Text(label, justify="left" if key == "question" else "right"), key=key)
        # Prices are 6 wide, "Closes in" 9, each column padded by 2; 1 more for the scrollbar.
        prices = len(columns) - 2 - (1 if level_width else 0)
        # With a level column the question may shrink further: the level tells the rungs apart.
        least = 8 if level_width else 16
        question_width = max(least, width - 9 - 6 * prices - level_width - 2 * len(columns) - 1)
        flagged = {market_id for flag in flags or [] for market_id in flag.market_ids}
        questions = fit_column(
            [market.group_item_title or market.question for market in markets],
            question_width,
            ["DEMO" if market.source == "demo" else None for market in markets],
        )
        for market, question in zip(markets, questions, strict=True):
            cells = {
                "question": question,
                "level": fmt.right(fmt.clip(fmt.literal(levels.get(market.id, "")), level_width)),
                "yes": Text(
                    fmt.cents(market.yes_price),
                    justify="right",
                    style="bold red" if market.id in flagged else "",
                ),
                "bid": Text(fmt.cents(market.best_bid), justify="right"),
                "ask": Text(fmt.cents(market.best_ask), justify="right"),
                "closes": fmt.right(fmt.time_to_close(market.end_date, now, closed=market.closed)),
            }
            table.add_row(*[cells[key] for key, _ in columns], key=market.id)
        flags_view.update(flag_lines(flags or []))
        self._mark_market()

    def _mark_market(self) -> None:
        if self._pane_market is not None:
            self.query_one("#cluster-table", VimTable).move_to_key(self._pane_market)

    # --- actions ----------------------------------------------------------------------------------

    def action_toggle_closed(self) -> None:
        self.include_closed = not self.include_closed
        self.app.notify("Showing open and closed markets" if self.include_closed else "Showing open markets")
        self.action_reload()

    def action_reload(self) -> None:
        self._loaded.clear()  # rebuilt from scratch (what was open closes)
        self._pane_cluster = None
        self._show_pane(None, [])
        self._load_categories()


def flag_lines(flags: list[Flag]) -> Text:
    """One warning line per contradiction; the messages quote market titles, so literal text."""
    if not flags:
        return Text("")
    lines = [Text.assemble(("⚠ ", "bold red"), fmt.literal(flag.message)) for flag in flags]
    return Text("\n").join(lines)


def family_name(markets: list[ClusterMarket], cluster_id: str) -> str:
    """The family's event title, or its only question (untrusted text: shown with markup off)."""
    if len(markets) == 1:
        return markets[0].question
    titles = {m.event_title for m in markets if m.event_title}
    if len(titles) == 1:
        return titles.pop()
    return markets[0].question if markets else cluster_id
