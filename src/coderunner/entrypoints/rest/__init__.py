"""The REST API (FastAPI). Build it with ``coderunner.entrypoints.rest.app.create_app(services)``."""
