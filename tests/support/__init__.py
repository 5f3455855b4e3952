"""Test harness shared by the suites under tests/ (never imported by product code)."""
