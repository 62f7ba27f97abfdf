"""pmtui: a keyboard-driven terminal app for Polymarket traders."""

__version__ = "0.1.0"
APP_NAME = "pmtui"
