"""The project's top-level workflows: `./scripts/dev test` and `./scripts/dev up`."""
