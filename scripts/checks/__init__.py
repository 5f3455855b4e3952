"""The loop's checks: the API contract, types, lint and the affected tests on every save.

Each check is a `local_resource` in the Tiltfile (label `checks`) that runs one command here:
`python -m scripts.checks <name>`. They run on this machine against the working tree, not in the
pods, at low CPU priority so the live updates they sit next to stay fast.
"""

# Every check, in the dashboard's order (scripts/checks/tools.py has one function per name).
NAMES = ("api-contract", "frontend-types", "frontend-lint", "frontend-tests", "backend-tests")
