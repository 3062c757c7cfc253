"""Machinery that exists only for speed: caches, forked workers, the opt-in daemon."""
