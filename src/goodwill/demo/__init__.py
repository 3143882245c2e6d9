"""A realistic synthetic network for demos and benchmarks (`goodwill demo`)."""
