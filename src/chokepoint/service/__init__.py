"""The HTTP service (FastAPI) and web dashboard: ``create_app`` in :mod:`chokepoint.service.app`."""
