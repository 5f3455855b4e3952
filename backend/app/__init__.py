"""Todo app backend (FastAPI)."""

# Fallback version when the package is not installed (the image copies the source tree
# instead of pip-installing it); keep in step with pyproject.toml (a test checks it).
__version__ = "0.1.0"
