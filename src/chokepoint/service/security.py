"""Security and limits: bearer token, request-size cap, and error responses without tracebacks.

Every error the service returns is ``{"error": {"code", "message", "problems"}}`` (see
:class:`~chokepoint.service.schemas.ErrorOut`). Unexpected exceptions are logged on the server with
their traceback and answered with a generic 500 that carries only an incident id.
"""

from __future__ import annotations

import difflib
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


def _shown(got: Any) -> str:
    """A request value as shown in a message (short; the kind of a JSON object or array)."""
    if isinstance(got, dict):
        return "a JSON object"
    if isinstance(got, list | tuple):
        return "a JSON array"
    if isinstance(got, str):
        return repr(got if len(got) <= 60 else got[:57] + "...")
    if isinstance(got, int | float | bool) or got is None:
        return repr(got)
    return type(got).__name__


def _line_column(doc: Any, pos: int) -> tuple[int, int]:
    """1-based line and column of character ``pos`` of a request body."""
    text = doc.decode("utf-8", "replace") if isinstance(doc, bytes) else str(doc or "")
    pos = max(0, min(pos, len(text)))
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _pydantic_problems(errors: Sequence[Any], body: Any = None) -> list[Problem]:
    """One problem per pydantic (or FastAPI request) error: ``location | expected ..., got ...``.

    Missing and unknown fields, invalid JSON (at its line and column of the body) and patterns get
    their own wording; an unknown field is matched against the missing ones (did-you-mean).
    """
    errors = list(errors)
    missing: dict[tuple[Any, ...], list[str]] = {}
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") == "missing" and loc:
            missing.setdefault(loc[:-1], []).append(str(loc[-1]))
    problems = []
    for err in errors:
        kind = str(err.get("type", ""))
        loc = tuple(err.get("loc", ()))
        where = ".".join(str(p) for p in loc) or "request"
        got = err.get("input")
        ctx = err.get("ctx") or {}
        if kind == "json_invalid":
            pos = loc[-1] if loc and isinstance(loc[-1], int) else 0
            line, column = _line_column(body, pos)
            head = str(loc[0]) if loc and isinstance(loc[0], str) else "body"
            reason = ctx.get("error") or "JSON decode error"
            problems.append(Problem(f"{head}:{line}:{column}", f"invalid JSON: {reason}"))
            continue
        if kind == "missing":
            message = "expected a value (required field), got nothing"
        elif kind == "extra_forbidden":
            name = str(loc[-1]) if loc else "?"
            close = difflib.get_close_matches(name, missing.get(loc[:-1], []), n=1, cutoff=0.5)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            message = f"unknown field {name!r}{hint}"
        elif kind in ("model_attributes_type", "model_type", "dict_type"):
            message = f"expected a JSON object of fields, got {_shown(got)}"
        elif kind == "string_pattern_mismatch":
            message = f"expected text matching {ctx.get('pattern')}, got {_shown(got)}"
        else:
            text = str(err.get("msg", "a valid value"))
            text = text.removeprefix("Value error, ").removeprefix("Input should be ")
            text = text if text.startswith("expected") else f"expected {text}"
            message = text if ", got " in text else f"{text}, got {_shown(got)}"
        problems.append(Problem(where, message))
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
            _pydantic_problems(exc.errors(), getattr(exc, "body", None)),
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
