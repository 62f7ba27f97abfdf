"""Backtests: import, engine, metrics and generated demo data. No Textual."""
