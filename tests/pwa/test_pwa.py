"""PWA shell over HTTP: manifest, service worker script, offline pages, static caching."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
from pathlib import Path

import brotli
import pytest
from PIL import Image

from tracker.pwa import assets

HASHED_CSS = re.compile(r'href="(/static/css/app\.[0-9a-f]{10}\.css)"')


def sw_constants(body: str) -> dict:
    version = re.search(r"const VERSION = (\"[^\"]+\");", body)[1]
    precache = re.search(r"const PRECACHE = (\[.*?\]);", body)[1]
    return {"version": json.loads(version), "precache": json.loads(precache)}


def test_it_serves_a_complete_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    data = response.get_json(force=True)
    for key in ("id", "name", "short_name", "description", "start_url", "scope", "display",
                "theme_color", "background_color", "icons", "shortcuts", "categories"):  # fmt: skip
        assert data[key], key
    assert data["name"] == "Back Relief"
    assert data["display"] == "standalone"
    assert "source=" in data["start_url"] and data["start_url"].startswith(data["scope"])
    names = [s["name"] for s in data["shortcuts"]]
    assert names == ["Log a session", "Next appointment"]
    kinds = {(i["sizes"], i["purpose"]) for i in data["icons"]}
    assert kinds == {("192x192", "any"), ("512x512", "any"), ("192x192", "maskable"),
                     ("512x512", "maskable"), ("512x512", "monochrome")}  # fmt: skip


def test_every_manifest_icon_is_a_png_of_its_declared_size(client):
    data = client.get("/manifest.webmanifest").get_json(force=True)
    for icon in data["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        assert response.headers["Cache-Control"] == assets.IMMUTABLE
        with Image.open(io.BytesIO(response.data)) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]


def test_maskable_icons_keep_the_logo_inside_the_safe_zone(client):
    """Launchers crop maskable icons to a circle of 80% diameter; nothing white may fall outside."""
    for size in (192, 512):
        with Image.open(f"static/icons/maskable-{size}.png") as png:
            image = png.convert("RGB")
        centre, radius = size / 2, 0.4 * size
        pixels = image.load()
        for y in range(size):
            for x in range(size):
                if sum(pixels[x, y]) > 600:  # logo (white), not the teal background
                    assert (x + 0.5 - centre) ** 2 + (y + 0.5 - centre) ** 2 <= radius**2, (x, y)


def test_the_icon_script_regenerates_every_icon(tmp_path, monkeypatch):
    from scripts import make_icons

    monkeypatch.setattr(make_icons, "OUT", tmp_path)
    make_icons.main()
    expected = {"icon-192.png", "icon-512.png", "maskable-192.png", "maskable-512.png",
                "apple-touch-icon.png", "favicon.ico", "icon.svg", "badge-96.png",
                "monochrome-512.png"}  # fmt: skip
    assert {p.name for p in tmp_path.iterdir()} == expected
    with Image.open(tmp_path / "badge-96.png") as badge:  # an alpha mask: white, shaped by alpha
        assert badge.mode == "RGBA" and badge.getchannel("A").getextrema() == (0, 255)
        assert {badge.getpixel((x, y))[:3] for x in range(96) for y in range(96)} == {(255,) * 3}
    with Image.open(tmp_path / "apple-touch-icon.png") as apple:
        assert apple.size == (180, 180) and apple.mode == "RGB"  # iOS shows transparency as black
    assert (tmp_path / "icon.svg").read_text().startswith("<svg")


def test_pages_link_the_manifest_and_ios_home_screen_tags(client):
    html = client.get("/login").get_data(as_text=True)
    for needle in ('rel="manifest" href="/manifest.webmanifest"', 'rel="apple-touch-icon"',
                   'name="apple-mobile-web-app-capable"', 'name="apple-mobile-web-app-title"',
                   'type="image/svg+xml"', "data-install", "data-outbox-status", "data-sw-update"):  # fmt: skip
        assert needle in html, needle
    assert HASHED_CSS.search(html), "the stylesheet URL carries its content hash"


def test_it_serves_the_service_worker_at_root_scope_uncached(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    constants = sw_constants(response.get_data(as_text=True))
    assert "/offline" in constants["precache"]
    assert any(u.startswith("/static/css/app.") for u in constants["precache"])


def test_every_precached_and_imported_url_exists(client):
    body = client.get("/sw.js").get_data(as_text=True)
    imports = json.loads("[" + re.search(r"importScripts\((.*?)\);", body)[1] + "]")
    names = [re.sub(r"\.[0-9a-f]{10}\.js$", ".js", u) for u in imports]
    # In dependency order: the shared helpers, the store, the outbox, then the push handlers.
    assert names == ["/static/js/common.js", "/static/js/idb.js", "/static/js/outbox.js",
                     "/static/js/sw-push.js"]  # fmt: skip
    for url in sw_constants(body)["precache"] + imports:
        assert client.get(url).status_code == 200, url


def test_the_worker_version_changes_when_a_precached_file_changes(app, client, tmp_path):
    static = tmp_path / "static"
    shutil.copytree(app.static_folder, static)
    app.static_folder = str(static)
    before = sw_constants(client.get("/sw.js").get_data(as_text=True))
    again = sw_constants(client.get("/sw.js").get_data(as_text=True))
    assert before == again, "same files, same worker: no spurious update banner"
    with open(static / "css" / "app.css", "a") as css:
        css.write("\n.changed { color: red; }\n")
    after = sw_constants(client.get("/sw.js").get_data(as_text=True))
    assert after["version"] != before["version"]
    assert set(after["precache"]) != set(before["precache"])


@pytest.mark.parametrize("path", ["/offline", "/outbox"])
def test_offline_and_outbox_pages_render_without_login(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert b"data-outbox-list" in response.data


def test_a_hashed_static_url_is_cached_forever(client):
    url = HASHED_CSS.search(client.get("/login").get_data(as_text=True))[1]
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.data == Path("static/css/app.css").read_bytes()


@pytest.mark.parametrize(
    "url",
    ["/static/css/app.css", "/static/css/app.0000000000.css"],
    ids=["plain-name", "stale-hash"],
)
def test_other_static_urls_are_revalidated(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize(
    "url",
    [
        "/static/css/nope.css",
        "/static/css/nope.0123456789.css",
        "/static/../tracker/config.py",
        "/static/%2e%2e/tracker/config.py",
    ],  # fmt: skip
)
def test_missing_or_escaping_static_paths_are_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("encoding,decode", [("br", brotli.decompress), ("gzip", gzip.decompress)])
def test_static_text_is_compressed_when_the_browser_accepts_it(client, encoding, decode):
    original = Path("static/css/app.css").read_bytes()
    response = client.get("/static/css/app.css", headers={"Accept-Encoding": f"{encoding}"})
    assert response.headers["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response.headers["Vary"]
    assert decode(response.data) == original
    assert len(response.data) < len(original) / 2


def test_images_are_not_recompressed(client):
    response = client.get("/static/icons/icon-512.png", headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in response.headers


def test_an_unchanged_static_file_revalidates_to_304(client):
    first = client.get("/static/js/outbox.js")
    again = client.get("/static/js/outbox.js", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_html_is_compressed_for_browsers_and_plain_for_others(client):
    plain = client.get("/login")
    assert "Content-Encoding" not in plain.headers
    packed = client.get("/login", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert packed.headers["Content-Encoding"] == "br"
    assert b"<!doctype html>" in brotli.decompress(packed.data)
    assert len(packed.data) < len(plain.data) / 2


def test_the_csrf_token_endpoint_gives_a_token_the_session_accepts(alice_client):
    response = alice_client.get("/api/v1/csrf-token")
    assert response.headers["Cache-Control"] == "no-store"
    token = response.get_json()["csrf_token"]
    rejected = alice_client.post("/logout", csrf=False)
    assert rejected.status_code == 400
    accepted = alice_client.post("/logout", headers={"X-CSRFToken": token}, csrf=False)
    assert accepted.status_code == 302


def test_a_token_from_bobs_session_does_not_work_in_alices(alice_client, bob_client):
    bobs = bob_client.get("/api/v1/csrf-token").get_json()["csrf_token"]
    response = alice_client.post("/logout", headers={"X-CSRFToken": bobs}, csrf=False)
    assert response.status_code == 400


def test_favicon_ico_points_at_the_fingerprinted_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert re.search(r"/static/icons/favicon\.[0-9a-f]{10}\.ico$", response.headers["Location"])


def test_url_for_static_is_fingerprinted_everywhere(app):
    from flask import url_for

    with app.test_request_context():
        url = url_for("static", filename="js/outbox.js")
        assert re.fullmatch(r"/static/js/outbox\.[0-9a-f]{10}\.js", url)
        assert url_for("static", filename=url.removeprefix("/static/")) == url
        assert url_for("static", filename="js/missing.js") == "/static/js/missing.js"


ACCOUNT_ATTR = re.compile(r'<body data-account="([0-9a-f]+)">')


def test_pages_and_the_csrf_endpoint_name_the_same_opaque_account(
    alice_client, bob_client, client, alice
):
    """The offline queue tags entries with this value and only sends them while it matches."""
    alices = ACCOUNT_ATTR.search(alice_client.get("/").get_data(as_text=True))[1]
    bobs = ACCOUNT_ATTR.search(bob_client.get("/").get_data(as_text=True))[1]
    assert alices != bobs and str(alice.id) not in (alices, bobs)
    assert alice_client.get("/api/v1/csrf-token").get_json()["account"] == alices
    assert bob_client.get("/api/v1/csrf-token").get_json()["account"] == bobs
    assert client.get("/api/v1/csrf-token").get_json()["account"] is None
    assert "data-account" not in client.get("/login").get_data(as_text=True)


def test_pages_load_the_shell_scripts_in_dependency_order(client):
    html = client.get("/login").get_data(as_text=True)
    scripts = [
        re.sub(r"\.[0-9a-f]{10}\.js$", ".js", u) for u in re.findall(r'<script src="([^"]+)"', html)
    ]
    order = [
        f"/static/{name}"
        for name in ("js/common.js", "js/idb.js", "js/outbox.js", "js/outbox-ui.js")
    ]
    assert [s for s in scripts if s in order] == order
    assert "defer" in html and "<script>" not in html  # no inline scripts (CSP)


JS_FILES = sorted(Path("static/js").glob("*.js")) + [Path("templates/pwa/sw.js")]
ES5_ONLY = re.compile(r"^\s*var\s|\bfunction\s*\(|\.then\(function\b", re.MULTILINE)


@pytest.mark.parametrize("path", JS_FILES, ids=lambda p: p.name)
def test_scripts_are_written_in_one_dialect(path):
    """ES2017+ throughout (const/let, arrow functions, async/await): no ES5 leftovers."""
    source = path.read_text()
    assert not ES5_ONLY.findall(source), f"{path}: {ES5_ONLY.findall(source)}"
    assert source.lstrip().startswith(("/*", "//")) and '"use strict";' in source
