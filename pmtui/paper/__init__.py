"""Paper trading: the book (a balanced ledger in micro-dollars) and Kelly sizing. No Textual here."""
