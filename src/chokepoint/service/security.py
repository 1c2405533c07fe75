"""Security and limits: bearer token, request-size cap, and error responses without tracebacks.

Every error the service returns is ``{"error": {"code", "message", "problems"}}`` (see
:class:`~chokepoint.service.schemas.ErrorOut`). Unexpected exceptions are logged on the server with
their traceback and answered with a generic 500 that carries only an incident id.
"""

from __future__ import annotations

import hmac
import logging
import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chokepoint.errors import ChokepointError, InputError, NotFoundError, Problem

logger = logging.getLogger(__name__)


class ServiceError(Exception):
    """An expected failure answered with ``status`` and a JSON error body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        problems: Sequence[Problem] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.problems = list(problems)
        self.headers = headers


def error_body(code: str, message: str, problems: Sequence[Problem] = ()) -> dict[str, Any]:
    """The JSON body of an error response."""
    return {
        "error": {
            "code": code,
            "message": message,
            "problems": [{"location": p.location, "message": p.message} for p in problems],
        }
    }


def error_response(
    status: int,
    code: str,
    message: str,
    problems: Sequence[Problem] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A JSON error response."""
    return JSONResponse(error_body(code, message, problems), status_code=status, headers=headers)


def _pydantic_problems(errors: Sequence[Any]) -> list[Problem]:
    problems = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "request"
        got = err.get("input")
        text = (
            repr(got) if isinstance(got, int | float | bool) or got is None else type(got).__name__
        )
        if isinstance(got, str):
            text = repr(got if len(got) <= 60 else got[:57] + "...")
        problems.append(Problem(loc, f"expected {err.get('msg', 'a valid value')}, got {text}"))
    return problems


_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_jobs",
}


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to a JSON error (never a traceback)."""

    @app.exception_handler(ServiceError)
    async def _service(_: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc.status, exc.code, exc.message, exc.problems, exc.headers)

    @app.exception_handler(InputError)
    async def _input(_: Request, exc: InputError) -> JSONResponse:
        return error_response(422, "invalid_input", f"problems in {exc.subject}", exc.problems)

    @app.exception_handler(NotFoundError)
    async def _not_found(_: Request, exc: NotFoundError) -> JSONResponse:
        return error_response(404, "not_found", str(exc))

    @app.exception_handler(ChokepointError)
    async def _chokepoint(_: Request, exc: ChokepointError) -> JSONResponse:
        return error_response(400, "rejected", str(exc).splitlines()[0] if str(exc) else "rejected")

    @app.exception_handler(RequestValidationError)
    async def _request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(
            422,
            "invalid_request",
            "the request does not match the API",
            _pydantic_problems(exc.errors()),
        )

    @app.exception_handler(ValidationError)
    async def _validation(_: Request, exc: ValidationError) -> JSONResponse:
        return error_response(
            422,
            "invalid_input",
            "the input does not match its schema",
            _pydantic_problems(exc.errors()),
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        detail = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        return error_response(exc.status_code, code, detail, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        incident = uuid.uuid4().hex[:12]
        logger.exception("incident %s on %s %s", incident, request.method, request.url.path)
        return error_response(
            500, "internal_error", f"internal error (incident {incident}); see the server log"
        )


def check_token(expected: str | None, authorization: str | None) -> None:
    """Raise a 401 :class:`ServiceError` unless ``authorization`` is ``Bearer <expected>``."""
    if expected is None:
        return
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        raise ServiceError(
            401,
            "unauthorized",
            "expected header 'Authorization: Bearer <token>' with the server's token",
            headers={"WWW-Authenticate": "Bearer"},
        )


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` with 413, by Content-Length or while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"expected a request body of at most {self.max_bytes} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    size = int(value)
                except ValueError:
                    size = -1
                if size < 0 or size > self.max_bytes:
                    got = "an invalid Content-Length" if size < 0 else f"{size} bytes"
                    await error_response(413, "body_too_large", f"{message}, got {got}")(
                        scope, receive, send
                    )
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(f"{message}, got more")
            return msg

        async def tracking_send(msg: Message) -> None:
            nonlocal started
            if msg["type"] == "http.response.start":
                started = True
            await send(msg)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await error_response(413, "body_too_large", f"{message}, got more")(
                    scope, receive, send
                )


class _TooLarge(StarletteHTTPException):
    """Raised while reading a streamed body past the cap (FastAPI re-raises HTTP exceptions as is)."""

    def __init__(self, detail: str) -> None:
        super().__init__(413, detail)
