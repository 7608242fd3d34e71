"""Parsing what was fetched or read: feeds, article web pages, folders of text files."""
