"""Helpers the Tiltfile calls with local(): the logic lives here, unit-tested, not in Starlark."""
