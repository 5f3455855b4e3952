"""Dev data lifecycle of the loop: seed, snapshot, restore, list, reset.

One implementation for the dashboard buttons on `backend` (the Tiltfile runs
`python -m scripts.devdata …`) and `./scripts/dev data …`.
"""
