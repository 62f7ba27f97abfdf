"""Polymarket's public APIs: records, parsing, the rate-limited client and a fake server. No Textual."""
