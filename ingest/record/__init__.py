"""Recording: dedup decisions turned into article events, and the facts of each poll."""
