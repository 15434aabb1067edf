"""Benchmarks: ratios against baselines, run by ``make bench`` (``python -m benchmarks``)."""
