"""Benchmarks: chartyard's sync against the registry's own limit and the usual methods.

Run ``python -m bench --help``. Every measurement runs on this machine in one
run, side by side, so the printed ratios compare like with like.
"""
