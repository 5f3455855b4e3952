"""Reliability report: turns the numbers tests/reliability records into Markdown and a latency plot."""
