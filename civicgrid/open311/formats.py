"""GeoReport v2's two wire formats: JSON and XML, chosen by the path's suffix or the Accept header.

The XML is written by hand rather than through a DOM: the documents are flat and this is the hot path of
every read (bench/bench_open311.py)."""

import json
from xml.sax.saxutils import escape

from django.http import HttpResponse

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'

# A list's element name → the name of each of its items, as the specification writes them.
ITEMS = {
    "services": "service",
    "service_requests": "request",
    "service_requests_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "keywords": "keyword",
}


class UnknownFormat(Exception):
    pass


def negotiate(request, suffix: str | None) -> str:
    """`.json`/`.xml` on the path wins; without one, the Accept header (XML, the required format, when
    it says nothing either way)."""
    if suffix:
        fmt = suffix.lower()
        if fmt not in FORMATS:
            raise UnknownFormat(fmt)
        return fmt
    accept = request.headers.get("Accept", "").lower()
    if "json" in accept and not ("xml" in accept and accept.index("xml") < accept.index("json")):
        return "json"
    return "xml"


def _text(value) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    return escape(str(value))


def _element(name: str, value, out: list) -> None:
    if isinstance(value, dict):
        out.append(f"<{name}>")
        for key, item in value.items():
            _element(key, item, out)
        out.append(f"</{name}>")
    elif isinstance(value, list | tuple):
        item_name = ITEMS.get(name, "item")
        out.append(f"<{name}>")
        for item in value:
            _element(item_name, item, out)
        out.append(f"</{name}>")
    else:
        out.append(f"<{name}>{_text(value)}</{name}>")


def to_xml(root: str, value) -> bytes:
    out = [XML_DECLARATION]
    _element(root, value, out)
    return "".join(out).encode()


def to_json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def render(fmt: str, root: str, value) -> bytes:
    return to_json(value) if fmt == "json" else to_xml(root, value)


def respond(fmt: str, body: bytes, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def error(fmt: str, status: int, description: str) -> HttpResponse:
    """The specification's error document: a list of {code, description}, root `<errors>` in XML."""
    errors = [{"code": status, "description": description}]
    return respond(fmt, render(fmt, "errors", errors), status=status)
