"""Topic feeds: classification, figure extraction, Atom rendering, publishing and serving."""
