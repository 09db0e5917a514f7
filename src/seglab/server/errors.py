"""One JSON error shape for every failure: ``{"error": {"code", "message", "details"}, "message"}``.

The top-level ``message`` repeats ``error.message``: it is where Roboflow's client looks.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from seglab.errors import ConflictError, InvalidInputError, NotFoundError, SeglabError, TooLargeError, UnavailableError

logger = logging.getLogger("seglab.server")

_STATUS = {NotFoundError: 404, ConflictError: 409, TooLargeError: 413, InvalidInputError: 400, UnavailableError: 503}
_HTTP_CODES = {400: "invalid_input", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "too_large"}


def error_response(status: int, code: str, message: str, details: dict[str, Any] | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "details": details or {}}, "message": message}
    return JSONResponse(body, status_code=status)


def _seglab_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SeglabError)
    status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
    return error_response(status, error.code, error.message, error.details)


def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        {"location": ".".join(str(part) for part in item.get("loc", ())), "message": item.get("msg", "")}
        for item in error.errors()
    ]
    first = problems[0] if problems else {"location": "", "message": "invalid request"}
    return error_response(422, "invalid_input", f"{first['location']}: {first['message']}", {"errors": problems})


def _http_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    return error_response(error.status_code, _HTTP_CODES.get(error.status_code, "http_error"), str(error.detail))


def _unexpected_error(request: Request, error: Exception) -> JSONResponse:
    logger.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", f"internal error: {type(error).__name__}: {error}")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SeglabError, _seglab_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
