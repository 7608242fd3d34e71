"""Ingestion: fetch sources, normalise articles, decide what is new, append facts."""
