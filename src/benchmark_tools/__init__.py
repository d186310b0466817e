"""Benchmark des dispositifs participatifs (Rennes Métropole)."""
__version__ = "0.1.0"
