"""Performance core: travel model, routing, candidate search and placement on plain arrays."""
