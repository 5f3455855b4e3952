"""Reliability suite: faults, authorization, secret hygiene, fuzzing and disruption against the chart
deployed in the local cluster (todo-local, started like tests/e2e does).

The `--cluster` option, `kube_context` and the PostgreSQL dev loop `pg_loop` (shared with the e2e
suite's dev-data tests) come from tests/conftest.py. Every namespace is `todo-rel-*` and deleted
afterwards; traffic goes only to 127.0.0.1 (port-forwards).
"""
