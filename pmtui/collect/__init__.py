"""Headless collector: jobs that mirror Polymarket into the store, and their scheduler. No Textual."""
