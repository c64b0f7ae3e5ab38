"""The OpenAPI document as the server really answers, and Swagger UI served from the package.

FastAPI documents every answer as ``application/json`` and adds its own 422 schema;
our errors are ``application/problem+json`` bodies of ``ProblemOut``. ``install`` rewrites
the generated document once, and serves Swagger UI's files from the ``swagger-ui-bundle-v2``
wheel, so ``/docs`` works on a machine that cannot reach a CDN.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from starlette.staticfiles import StaticFiles
from swagger_ui_bundle import swagger_ui_path

from coderunner.entrypoints.rest.problems import MEDIA_TYPE

DOCS_ASSETS = "/docs/assets"
_PROBLEM_REF = "#/components/schemas/ProblemOut"
# FastAPI's own validation-error schemas, replaced by ProblemOut (our handler answers those).
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def install(app: FastAPI) -> None:
    """Serves ``/docs`` from local files and makes ``/openapi.json`` describe the problem answers.

    Create ``app`` with ``docs_url=None, redoc_url=None`` (their pages load from a CDN).
    """
    app.mount(DOCS_ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}/favicon-32x32.png",
            # Swagger UI would otherwise send the document to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )

    app.add_api_route("/docs", docs, include_in_schema=False)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problem_answers(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def problem_answers(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with every error answer as ``application/problem+json`` of ``ProblemOut``."""
    for operation in (op for path in document.get("paths", {}).values() for op in path.values()):
        for status, answer in operation.get("responses", {}).items():
            content = answer.get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if not status.startswith(("4", "5")) or not _is_problem(schema):
                continue
            answer["content"] = {MEDIA_TYPE: {"schema": {"$ref": _PROBLEM_REF}}}
    schemas = document.get("components", {}).get("schemas", {})
    for name in _FASTAPI_VALIDATION:
        schemas.pop(name, None)
    return document


def _is_problem(schema: dict[str, Any]) -> bool:
    ref = schema.get("$ref", "")
    return ref == _PROBLEM_REF or ref.rsplit("/", 1)[-1] in _FASTAPI_VALIDATION
