"""Helpers shared by the tests and the benchmarks: a local feed server, a TCP proxy that
can be cut, and generators of articles and their events. One copy, so a benchmark
measures what the tests check."""
