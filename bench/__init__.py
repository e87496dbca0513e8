"""Benchmarks of Parvis: `python -m bench` (see bench/__main__.py and docs/performance.md)."""
