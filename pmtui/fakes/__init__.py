"""Stand-ins for the outside world, for tests, benchmarks and offline tours: not the product.

- `polymarket_server`: a fake Polymarket (Gamma, CLOB, Data API) on 127.0.0.1, following the real
  services' rules and limits (docs/polymarket-api.md); `python -m pmtui.fakes.polymarket_server`.
- `polymarket_data`: the markets it serves: recorded real responses (tests/data/polymarket in a
  checkout) and a small deterministic generator.
- `telegram_server`: a fake Telegram Bot API on 127.0.0.1.

Nothing in the product packages imports this package (an import-linter contract says so).
"""
