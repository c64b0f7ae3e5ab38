"""configure_logging: every line of the process is one JSON object, the standard library's included."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from coderunner.logs import configure_logging


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Puts the global logging configuration back after the test."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
    logging.getLogger("uvicorn").setLevel(logging.NOTSET)
    logging.getLogger("uvicorn.access").disabled = False
    structlog.reset_defaults()


def lines(captured: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in captured.splitlines()]


@pytest.mark.usefixtures("restored_logging")
def test_an_exception_in_the_standard_library_is_one_event_with_its_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("json", "info")  # here: it writes to the stderr of the moment, which capsys captures
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application\n")
    (event,) = lines(capsys.readouterr().err)
    assert ("error", "uvicorn.error") == (event["level"], event["logger"])
    assert "Traceback (most recent call last)" in str(event["exception"])
    assert "ValueError: boom" in str(event["exception"])


@pytest.mark.usefixtures("restored_logging")
def test_an_exception_logged_by_us_is_one_event_with_its_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("json", "info")
    try:
        raise KeyError("lost")
    except KeyError:
        structlog.get_logger("coderunner.rest").exception("request.bug", error_class="KeyError")
    (event,) = lines(capsys.readouterr().err)
    assert ("request.bug", "KeyError") == (event["event"], event["error_class"])
    assert "KeyError: 'lost'" in str(event["exception"])


@pytest.mark.usefixtures("restored_logging")
def test_libraries_speak_from_warning_up_and_uvicorn_at_the_configured_level(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("json", "info")
    logging.getLogger("alembic.runtime.plugins").info("setup plugin")
    logging.getLogger("uvicorn.error").info("Started server process")
    logging.getLogger("uvicorn.access").info("127.0.0.1 - GET / 200")
    assert ["Started server process"] == [event["event"] for event in lines(capsys.readouterr().err)]
