"""The composition root: configuration, the command line, and the worker that wire
`ingest`, `store` and `feeds` together."""

__version__ = "0.1.0"
