"""Table models; importing this package registers every table on SQLModel.metadata
(Alembic's env.py and the tests rely on that)."""

from sqlmodel import SQLModel

from app.models.task import Task
from app.models.user import User

metadata = SQLModel.metadata

__all__ = ["Task", "User", "metadata"]
