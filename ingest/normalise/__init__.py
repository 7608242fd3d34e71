"""Normalising items: canonical text and URLs, sanitised HTML, the content hash."""
