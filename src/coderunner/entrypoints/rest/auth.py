"""The caller's API key, for every route under /v1: ``CallerDep``.

With keys off it is None and nothing is checked. With them on, a request without a valid
``Authorization: Bearer <key>`` is answered 401 (``unauthenticated``, with
``WWW-Authenticate: Bearer``), before the body is validated. The key id goes to
``request.state`` (for the ``http.request`` line) and to the log context of the request.
"""

from __future__ import annotations

from typing import Annotated

import structlog
from fastapi import Depends, Request

from coderunner.bootstrap import Services
from coderunner.domain.api_key import ApiKey
from coderunner.entrypoints.rest.access_log import STATE_API_KEY_ID


async def authenticated(request: Request) -> ApiKey | None:
    services: Services = request.app.state.services
    key = await services.access.authenticate(request.headers.get("authorization"))
    if key is not None:
        setattr(request.state, STATE_API_KEY_ID, key.id)
        structlog.contextvars.bind_contextvars(api_key_id=key.id)
    return key


CallerDep = Annotated[ApiKey | None, Depends(authenticated)]
