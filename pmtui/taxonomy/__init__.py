"""Categories, features read from questions, and clusters of related markets. No Textual."""
