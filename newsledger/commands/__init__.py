"""Command-line commands, one module per package they drive."""
