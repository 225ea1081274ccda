"""Benchmarks for `make bench`: case intake (service layer and HTTP) and the POC overview on 1M cases.

Not tests: `python -m bench.run` prints a table and writes var/bench/results-<timestamp>.json.
See bench/README.md.
"""
