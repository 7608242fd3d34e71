"""Fetching politely: the HTTP client with its caps, per-host gaps and Retry-After, charsets."""
