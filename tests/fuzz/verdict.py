"""What the fuzzer holds every answer of /graphql to.

- Never a 5xx, and always a JSON object.
- Every error is a client's: it carries `extensions.code`. Nothing is masked
  (`INTERNAL`, "Unexpected error."): a masked error is a bug we want to hear of.
- An admin's key is accepted (no 401 or 403).
- A refused call (`FORBIDDEN`, or invalid before anything ran) has no `data`.
"""

from __future__ import annotations

import json
from typing import Any

from interfaces.correlation import INTERNAL, UNEXPECTED

Body = dict[str, Any]
REFUSALS = frozenset({"FORBIDDEN", "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"})
"""How a viewer's mutation may be refused: beyond its role, or not even a valid operation."""


def body_of(status: int, text: str) -> tuple[Body | None, list[str]]:
    """The JSON object answered, and what is wrong with the answer as such."""
    if status >= 500:
        return None, [f"HTTP {status}: {text[:500]}"]
    try:
        body = json.loads(text)
    except ValueError:
        return None, [f"HTTP {status} with a body that is no JSON: {text[:500]}"]
    if not isinstance(body, dict):
        return None, [f"HTTP {status} with JSON that is no object: {text[:500]}"]
    return body, []


def error_problems(body: Body) -> list[str]:
    """The errors no client could act on: masked ones and ones without a code."""
    problems = []
    for error in body.get("errors") or []:
        extensions = error.get("extensions") or {}
        code = extensions.get("code")
        if code == INTERNAL or error.get("message") == UNEXPECTED:
            problems.append(f"masked error (correlation id {extensions.get('correlationId')})")
        elif code is None:
            problems.append(f"error without a code: {json.dumps(error)[:500]}")
    return problems


def judge(status: int, text: str) -> list[str]:
    """What is wrong with an admin's answer: the key must be accepted, the errors coded."""
    body, problems = body_of(status, text)
    if status in (401, 403):
        problems.append(f"HTTP {status}: the admin key was refused")
    return problems if body is None else problems + error_problems(body)


def refusal_problems(status: int, text: str) -> list[str]:
    """What is wrong with the answer to a call that must be refused."""
    body, problems = body_of(status, text)
    if body is None:
        return problems
    problems = error_problems(body)
    codes = {(e.get("extensions") or {}).get("code") for e in body.get("errors") or []}
    if not codes or not codes <= REFUSALS:
        problems.append(f"not refused: {text[:500]}")
    if body.get("data") is not None:
        problems.append(f"ran (data is not null; codes {sorted(map(str, codes))})")
    return problems
