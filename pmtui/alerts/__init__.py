"""Telegram alerts: an outbox table, message formatting, a background sender. No Textual here.

Producers only insert into `alerts_outbox` (`pmtui.alerts.outbox.enqueue`, a cheap insert with a
dedupe key); `pmtui.alerts.sender.AlertSender` drains it in the background with rate limiting and
retries, so an alert never blocks a fill, a settlement or the UI.
"""
