"""FastAPI's preparation of a route, done once per test process instead of once per app.

Most tests build an app of their own (``client``: ``create_app`` on the test's home), and FastAPI prepares each route
of an app the first time a request is matched against it: it reads the endpoint's signature and builds pydantic
validators for its parameters, body and answer. That came to about 110 ms of CPU per app (15 of the 68 CPU seconds
of the server, autolabel, active-learning and evaluation tests). What it builds depends only on the route's
definition (path, endpoint, the ``Depends`` it declares, its answer's type), never on the app, so
:func:`shared_route_preparation` keeps it for the next app: dependency overrides (``app.dependency_overrides``) are
still looked up per app, at request time.

Only FastAPI's own preparation is kept; every app still has its own routes, middleware, state and workspace. If
FastAPI renames the functions this wraps, nothing is kept and the tests are only slower.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

import pytest
from fastapi import routing

_DEPENDANT = "_build_dependant_with_parameterless_dependencies"
_RESPONSE_FIELD = "create_model_field"


def _is_module_level(call: Callable[..., Any]) -> bool:
    """An endpoint defined once per process: one defined inside a function (per app) is prepared afresh, so the
    memo holds no app alive and never grows with the number of apps."""
    return "<locals>" not in getattr(call, "__qualname__", "<locals>")


def _memo_dependant(build: Callable[..., Any]) -> Callable[..., Any]:
    kept: dict[Hashable, tuple[Sequence[Any], Any]] = {}

    def prepared(*, path: str, call: Callable[..., Any], dependencies: Sequence[Any]) -> Any:
        if not _is_module_level(call):
            return build(path=path, call=call, dependencies=dependencies)
        key = (path, call, tuple(map(id, dependencies)))
        if key not in kept:  # the dependencies are kept with the result: their ids stay theirs
            kept[key] = (tuple(dependencies), build(path=path, call=call, dependencies=dependencies))
        return kept[key][1]

    return prepared


def _memo_field(create: Callable[..., Any]) -> Callable[..., Any]:
    kept: dict[Hashable, Any] = {}

    def field(name: str, type_: Any, mode: str = "validation", **more: Any) -> Any:
        try:
            key = (name, type_, mode) if not more else None
            hash(key)
        except TypeError:
            key = None
        if key is None:
            return create(name=name, type_=type_, mode=mode, **more)
        if key not in kept:
            kept[key] = create(name=name, type_=type_, mode=mode)
        return kept[key]

    return field


@contextlib.contextmanager
def shared_route_preparation() -> Iterator[None]:
    """While open, a route prepared for one app is reused by the next app with the same route."""
    with pytest.MonkeyPatch.context() as patch:
        if callable(getattr(routing, _DEPENDANT, None)) and callable(getattr(routing, _RESPONSE_FIELD, None)):
            patch.setattr(routing, _DEPENDANT, _memo_dependant(getattr(routing, _DEPENDANT)))
            patch.setattr(routing, _RESPONSE_FIELD, _memo_field(getattr(routing, _RESPONSE_FIELD)))
        yield
