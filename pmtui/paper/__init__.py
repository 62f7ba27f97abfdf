"""Paper trading: the book (a balanced ledger in micro-dollars), Kelly sizing, marks, settlement and
the forward test. No Textual here.

Public API (each function takes a `sqlite_utils.Database`; writers open their own write transaction,
nesting as a savepoint inside the caller's):

- `pmtui.paper.book`: `open_from_signal(db, signal_id, settings) -> Position`,
  `close_position(db, position_id, settings) -> Position`, `settle_resolved(db) -> list[Position]`.
  Refusals raise `pmtui.paper.models.PaperError` (one line to show as is).
- `pmtui.paper.stake`: `proposed_stake(db, settings, *, market_id, cluster_id, category, p, cost,
  validated) -> StakeDecision`; `pmtui.paper.fees.all_in_cost(price, fee_rate=, fee_exponent=,
  slippage=)` gives the `cost` to pass.
- `pmtui.paper.summary`: `paper_summary(db, settings) -> PaperSummary` (everything the Paper tab and
  `pmtui paper` show) and `summary_json(summary)`.
- `pmtui.paper.portfolio`: `marked_open_positions`, `closed_positions`, `equity_micros`,
  `equity_curve`, `pnl_by`; `pmtui.paper.forward.forward_test(db, settings) -> list[ForwardRow]`;
  `pmtui.paper.ledger.check_ledger(db) -> LedgerCheck`.
"""
