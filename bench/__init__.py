"""Benchmarks run by `make bench` (bench/run.py); each part also runs on its own."""
