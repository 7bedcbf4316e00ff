"""ASGI entry point for uvicorn: ``uvicorn nhc.web.asgi:app`` (settings from the environment)."""

from nhc.web.app import create_app

app = create_app()
