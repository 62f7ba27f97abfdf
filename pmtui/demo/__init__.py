"""`pmtui demo`: generated markets, clearly labelled, for an offline tour, tests and benchmarks.

- `families`: the market families (weather buckets, BTC ladders, sports, ...) and how each one's true
  probability moves.
- `generate`: `write_demo`, the markets, prices and outcomes written with `source = 'demo'`.
"""
