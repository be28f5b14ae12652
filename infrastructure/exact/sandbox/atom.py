"""Content negotiation as Exact does it: JSON only when asked for, Atom XML otherwise.

Exact's REST API answers Atom XML unless the request says ``Accept: application/json``
(shared/exact-online-api.md, section 3: "the default is Atom XML, and application/xml
is refused"). A client that forgets the header gets a feed it cannot read as JSON, as
it would from Exact. The sandbox renders the JSON answer it would have sent as a
WCF Data Services v2 Atom document; ``Accept: application/xml`` alone gets 406
(Exact's exact status for the refusal is unconfirmed).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from starlette.responses import Response

from infrastructure.exact import codec

ATOM = "http://www.w3.org/2005/Atom"
DATA = "http://schemas.microsoft.com/ado/2007/08/dataservices"
METADATA = "http://schemas.microsoft.com/ado/2007/08/dataservices/metadata"
SCHEME = "http://schemas.microsoft.com/ado/2007/08/dataservices/scheme"
_NAMESPACES = f'xmlns="{ATOM}" xmlns:d="{DATA}" xmlns:m="{METADATA}"'


def wants_json(accept: str | None) -> bool:
    return "json" in (accept or "").lower()


def refuses_atom(accept: str | None) -> bool:
    """``application/xml`` without Atom or a wildcard: Exact refuses it."""
    kinds = {part.split(";")[0].strip().lower() for part in (accept or "").split(",")}
    return "application/xml" in kinds and not kinds & {
        "*/*",
        "application/*",
        "application/atom+xml",
    }


def negotiate(accept: str | None, response: Response) -> Response:
    """The response as the client asked for it: JSON untouched, otherwise Atom or 406."""
    if wants_json(accept) or not response.headers.get("content-type", "").startswith(
        "application/json"
    ):
        return response
    headers = {
        name: value
        for name, value in response.headers.items()
        if name.lower() not in ("content-type", "content-length")
    }
    if refuses_atom(accept):
        return Response(status_code=406, headers=headers)
    body = codec.loads(response.body)
    if "error" in body:
        return Response(_error(body["error"]), response.status_code, headers, "application/xml")
    d = body["d"]
    if isinstance(d, dict) and "results" in d:
        xml, kind = _feed(d["results"], d.get("__next"), d.get("__count")), "feed"
    elif isinstance(d, list):
        xml, kind = _feed(d, None, None), "feed"
    else:
        xml, kind = _document(_entry(d)), "entry"
    media_type = f"application/atom+xml;type={kind};charset=utf-8"
    return Response(xml, response.status_code, headers, media_type)


def _document(element: str) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?>{element}'


def _feed(rows: list[dict[str, Any]], next_url: str | None, count: str | None) -> str:
    parts = [f"<feed {_NAMESPACES}>", f"<updated>{_now()}</updated>"]
    if count is not None:
        parts.append(f"<m:count>{escape(str(count))}</m:count>")
    parts.extend(_entry(row, nested=True) for row in rows)
    if next_url is not None:
        parts.append(f'<link rel="next" href={quoteattr(next_url)} />')
    parts.append("</feed>")
    return _document("".join(parts))


def _entry(row: dict[str, Any], *, nested: bool = False) -> str:
    metadata = row.get("__metadata", {})
    uri, type_name = metadata.get("uri", ""), metadata.get("type", "")
    opening = "<entry>" if nested else f"<entry {_NAMESPACES}>"
    parts = [
        opening,
        f"<id>{escape(uri)}</id>",
        f"<category term={quoteattr(type_name)} scheme={quoteattr(SCHEME)} />",
        f'<link rel="edit" href={quoteattr(uri)} />',
    ]
    properties = []
    for name, value in row.items():
        if name == "__metadata":
            continue
        if isinstance(value, dict):
            parts.append(_navigation(name, value))
        else:
            properties.append(_property(name, value))
    parts.append(
        f'<content type="application/xml"><m:properties>{"".join(properties)}'
        "</m:properties></content></entry>"
    )
    return "".join(parts)


def _navigation(name: str, value: dict[str, Any]) -> str:
    rel = f"{DATA}/related/{name}"
    head = f'<link rel={quoteattr(rel)} type="application/atom+xml;type=feed" title="{name}"'
    if "__deferred" in value:
        return f"{head} href={quoteattr(value['__deferred']['uri'])} />"
    entries = "".join(_entry(item, nested=True) for item in value.get("results", []))
    return f"{head} href={quoteattr(name)}><m:inline><feed>{entries}</feed></m:inline></link>"


def _property(name: str, value: Any) -> str:
    if value is None:
        return f'<d:{name} m:null="true" />'
    if isinstance(value, bool):
        return f'<d:{name} m:type="Edm.Boolean">{str(value).lower()}</d:{name}>'
    if isinstance(value, int):
        return f'<d:{name} m:type="Edm.Int32">{value}</d:{name}>'
    if isinstance(value, Decimal | float):
        return f'<d:{name} m:type="Edm.Double">{value}</d:{name}>'
    if codec.is_encoded_date(value):
        moment = codec.decode_date(value).isoformat()
        return f'<d:{name} m:type="Edm.DateTime">{moment}</d:{name}>'
    return f"<d:{name}>{escape(str(value))}</d:{name}>"


def _error(error: dict[str, Any]) -> str:
    message = error.get("message", {}).get("value", "")
    return _document(
        f'<error xmlns="{METADATA}"><code>{escape(str(error.get("code", "")))}</code>'
        f'<message xml:lang="">{escape(str(message))}</message></error>'
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
