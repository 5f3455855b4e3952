"""Benchmarks: scripts that print numbers (medians over several runs, ratios against a baseline
measured in the same run), never timed tests. One entry point: `python -m scripts.bench <name>`."""
