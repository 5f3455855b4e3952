"""All routes of the API in one router, mounted by the app factory."""

from fastapi import APIRouter

from app.api.routes import auth, chat, health, tasks

api_router = APIRouter()
api_router.include_router(health.router)
api_router.include_router(auth.router)
api_router.include_router(tasks.router)
api_router.include_router(chat.router)
