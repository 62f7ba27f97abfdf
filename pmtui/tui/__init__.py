"""The terminal app: a thin Textual layer over the store and the core."""
