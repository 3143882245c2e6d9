"""The web app: `goodwill serve` runs `create_app(...)` under uvicorn."""

from goodwill.web.app import create_app

__all__ = ["create_app"]
