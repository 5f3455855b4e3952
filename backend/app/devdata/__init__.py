"""Dev data helpers run inside the backend's pod (`python -m app.devdata …`) by the dev loop's
Seed / Snapshot / Restore buttons and `./scripts/dev data`: they use the app's own settings,
models and password hashing, so they follow the schema wherever the code takes it."""
