"""Fingerprinted static files with long-lived caching, and compression for text responses.

`static_url("css/app.css")` returns `/static/css/app.<hash>.css`. The static view strips the
hash again; a URL whose hash matches the file's content is immutable for a year, anything else
(the plain name, or a stale hash after a deploy) is served with `no-cache`, so nothing stale is
ever pinned. Compressed bodies are cached in memory per file version: no build step.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import re
from pathlib import Path
from threading import Lock

import brotli
from flask import Flask, Response, abort, current_app, request, url_for
from werkzeug.security import safe_join

from ..core import holds_secrets

HASH_LEN = 10
HASHED = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{HASH_LEN}}})(?P<ext>\.[A-Za-z0-9]+)$")
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "image/svg+xml",
    "text/javascript",
)
MIN_COMPRESS = 512  # smaller bodies gain nothing worth the CPU

_lock = Lock()
_hashes: dict[tuple[str, int, int], str] = {}
_bodies: dict[tuple[str, int, int, str], bytes] = {}

mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")


def _static_root() -> Path:
    return Path(current_app.static_folder)


def _version_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path), st.st_mtime_ns, st.st_size)


def file_hash(path: Path) -> str:
    """Content hash of a file, cached per (path, mtime, size) so edits are picked up at once."""
    key = _version_key(path)
    digest = _hashes.get(key)
    if digest is None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()[:HASH_LEN]
        with _lock:
            _hashes[key] = digest
    return digest


def hashed_name(filename: str) -> str | None:
    """`css/app.css` -> `css/app.<hash>.css`, or None when the file does not exist."""
    path = safe_join(str(_static_root()), filename)
    if path is None or not Path(path).is_file():
        return None
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        return None
    return f"{stem}.{file_hash(Path(path))}.{ext}"


_names: dict[tuple[str, str], str] = {}


def fingerprinted(filename: str) -> str:
    """The hashed name of a static file (or the name itself when it has no such file)."""
    if current_app.debug or current_app.testing:  # files change under us: re-check each time
        return hashed_name(filename) or filename
    # Deployed files only change with a restart, so skip the per-request stat() calls.
    key = (current_app.static_folder, filename)
    name = _names.get(key)
    if name is None:
        name = _names[key] = hashed_name(filename) or filename
    return name


def static_url(filename: str) -> str:
    """URL of a static file with its content hash in the name (cacheable forever)."""
    return url_for("static", filename=filename)  # fingerprint_static_urls adds the hash


def _resolve(filename: str) -> tuple[Path, bool]:
    """Map a requested name to the real file and whether its hash is current."""
    root = str(_static_root())
    exact = safe_join(root, filename)
    if exact and Path(exact).is_file():
        return Path(exact), False
    match = HASHED.match(filename)
    if match:
        real = safe_join(root, match["stem"] + match["ext"])
        if real and Path(real).is_file():
            return Path(real), file_hash(Path(real)) == match["hash"]
    abort(404)


def choose_encoding() -> str:
    accepted = request.accept_encodings
    if accepted["br"]:
        return "br"
    if accepted["gzip"]:
        return "gzip"
    return ""


def compress(data: bytes, encoding: str, quality: int = 11) -> bytes:
    if encoding == "br":
        return brotli.compress(data, quality=quality)
    return gzip.compress(data, compresslevel=9 if quality > 6 else 6, mtime=0)


def is_compressible(mimetype: str | None) -> bool:
    return bool(mimetype) and mimetype.startswith(COMPRESSIBLE)


def _body(path: Path, mimetype: str, encoding: str) -> bytes:
    data = path.read_bytes()
    if not encoding:
        return data
    key = (*_version_key(path), encoding)
    body = _bodies.get(key)
    if body is None:
        body = compress(data, encoding)
        with _lock:
            _bodies[key] = body
    return body


def serve_static(filename: str) -> Response:
    """Replacement for Flask's static view: hashed names, caching headers, compression."""
    path, immutable = _resolve(filename)
    mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    encoding = choose_encoding() if is_compressible(mimetype) else ""
    if encoding and path.stat().st_size < MIN_COMPRESS:
        encoding = ""
    response = Response(_body(path, mimetype, encoding), mimetype=mimetype)
    if encoding:
        response.headers["Content-Encoding"] = encoding
    if is_compressible(mimetype):
        response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = IMMUTABLE if immutable else "no-cache"
    response.set_etag(f"{file_hash(path)}-{encoding or 'id'}")
    return response.make_conditional(request)


def compress_response(response: Response) -> Response:
    """after_request: compress dynamic text responses (HTML, JSON, manifest, sw.js)."""
    if (
        response.direct_passthrough
        or response.is_streamed
        or response.status_code < 200
        or response.status_code in (204, 304)
        or "Content-Encoding" in response.headers
        or not is_compressible(response.mimetype)
        or holds_secrets(response)  # BREACH, see docs/security.md
    ):
        return response
    encoding = choose_encoding()
    response.vary.add("Accept-Encoding")
    data = response.get_data()
    if not encoding or len(data) < MIN_COMPRESS:
        return response
    # Brotli 5 costs well under a millisecond for a page of HTML and beats gzip -9 on size.
    response.set_data(compress(data, encoding, quality=5))
    response.headers["Content-Encoding"] = encoding
    return response


def fingerprint_static_urls(endpoint: str, values: dict) -> None:
    """url_defaults: every url_for('static', filename=...) gets the hashed name too."""
    if endpoint == "static" and isinstance(values.get("filename"), str):
        values["filename"] = fingerprinted(values["filename"])


def init_app(app: Flask) -> None:
    app.view_functions["static"] = serve_static
    app.url_defaults(fingerprint_static_urls)
    app.jinja_env.globals["static_url"] = static_url
    app.after_request(compress_response)
