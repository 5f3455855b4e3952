"""E2E suites run against the local cluster `todo-local` (started once by `./scripts/dev test`).

The `--cluster` option and the `kube_context` fixture are shared with the other cluster suites:
see tests/conftest.py.
"""
