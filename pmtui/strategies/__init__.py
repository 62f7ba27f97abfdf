"""Strategies: one module each, the same decision code for the live monitor and the backtest.
No Textual here."""
