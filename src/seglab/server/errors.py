"""One JSON error shape for every failure (:func:`seglab.errors.error_body`), and the HTTP status of each kind.

seglab's own errors answer 4xx (or the ``status`` their class names), a request that does not validate 422 with
the location of each problem, and anything else 500, logged with its traceback: that is a bug.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from seglab.errors import SeglabError, error_body, http_status

logger = logging.getLogger("seglab.server")

_HTTP_CODES = {
    400: "invalid_input",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    429: "quota_exceeded",
}


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    return JSONResponse(error_body(code, message, details), status_code=status)


def status_of(error: SeglabError) -> int:
    """The HTTP status for one of seglab's errors (:func:`seglab.errors.http_status`)."""
    return http_status(error)


def _seglab_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SeglabError)
    status = status_of(error)
    if status >= 500:
        logger.error("%s on %s %s", error.code, request.method, request.url.path, exc_info=error)
    return error_response(status, error.code, error.message, error.details)


def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"location": ".".join(str(part) for part in item.get("loc", ())), "message": _plain_message(item)}
        for item in error.errors()
    ]
    first = problems[0] if problems else {"location": "", "message": "invalid request"}
    return error_response(422, "invalid_input", f"{first['location']}: {first['message']}", {"errors": problems})


def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return error_response(error.status_code, _HTTP_CODES.get(error.status_code, "http_error"), str(error.detail))


def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    # the handler runs after the exception was caught (no ``sys.exc_info()``): pass it, or the log has no traceback
    logger.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    return error_response(500, "internal_error", f"internal error: {type(error).__name__}: {error}")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SeglabError, _seglab_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


def _plain_message(item: Mapping[str, Any]) -> str:
    """pydantic's message without the "Value error, " it puts before a validator's own words."""
    message = str(item.get("msg", ""))
    return message.removeprefix("Value error, ") if item.get("type") == "value_error" else message
