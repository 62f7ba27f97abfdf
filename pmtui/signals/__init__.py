"""Signals: batch processor, review queue and live monitor. No Textual."""
