"""Alerts to Telegram: an outbox retried in the background. No Textual."""
