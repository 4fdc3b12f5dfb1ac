"""Security headers behind proxies, body limits and database outages."""

import functools
import logging
import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from tracker import create_app
from tracker.core import CSP
from tracker.extensions import db
from tracker.models import MassageSession, User
from tracker.pwa.assets import hashed_name

from .conftest import AuthActions


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert "max-age=" in secure.headers["Strict-Transport-Security"]


def test_forwarded_proto_is_ignored_without_proxy_fix(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("app_config", [{"PROXY_FIX": 1}])
def test_forwarded_proto_is_honoured_when_configured(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in response.headers


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096}])
def test_oversized_bodies_are_refused_and_change_nothing(client, app):
    response = client.post(
        "/register",
        data={"email": "big@example.com", "password": "x" * 10_000, "timezone": "UTC"},
    )
    assert response.status_code == 413
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_database_outage_gives_a_friendly_503(app, client, alice, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    # A context so the patch is gone before the app fixture's teardown (which resets PostgreSQL).
    with app.app_context(), monkeypatch.context() as patch:
        patch.setattr(db.session, "execute", down)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["errors"]["database"]


def test_database_outage_on_a_page_renders_the_layout(app, client, alice, monkeypatch):
    from tracker.accounts import views

    def down(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("connection refused"))

    monkeypatch.setattr(views.User, "by_email", staticmethod(down))
    response = client.post("/login", data={"email": "alice@example.com", "password": "x" * 9})
    assert response.status_code == 503
    assert b"Nothing was saved" in response.data


def _feed(app, client, alice):
    with app.app_context():
        token = db.session.get(User, alice.id).calendar_token
    return client.get(f"/calendar/{token}.ics")


def _boom(app, client, alice):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # render the 500 page as production would
    app.add_url_rule("/boom", "boom", lambda: 1 / 0)
    app.add_url_rule("/api/v1/boom", "api_boom", lambda: 1 / 0)
    return [client.get("/boom"), client.get("/api/v1/boom")]


def _hashed(app, filename):
    with app.app_context():
        return hashed_name(filename)


def _login(client, name="alice"):
    AuthActions(client).login(name)
    return client


# One request (or a few) of every response type the app produces.
RESPONSES = {
    "html page": lambda app, c, a: _login(c).get("/"),
    "html form": lambda app, c, a: c.get("/login"),
    "redirect to login": lambda app, c, a: c.get("/settings"),
    "json": lambda app, c, a: _login(c).get("/api/v1/sessions"),
    "json 401": lambda app, c, a: c.get("/api/v1/sessions"),
    "json 422": lambda app, c, a: _login(c).post("/api/v1/sessions", json={}),
    "json 400 csrf": lambda app, c, a: _login(c).post("/api/v1/sessions", json={}, csrf=False),
    "json 204": lambda app, c, a: _login(c).delete("/api/v1/sessions/" + str(uuid.uuid4())),
    "healthz": lambda app, c, a: c.get("/healthz"),
    "static hashed": lambda app, c, a: c.get("/static/" + _hashed(app, "css/app.css")),
    "static plain": lambda app, c, a: c.get("/static/js/app.js"),
    "static image": lambda app, c, a: c.get("/static/icons/icon-192.png"),
    "static 304": lambda app, c, a: c.get(
        "/static/css/app.css",
        headers={"If-None-Match": c.get("/static/css/app.css").headers["ETag"]},
    ),
    "service worker": lambda app, c, a: c.get("/sw.js"),
    "manifest": lambda app, c, a: c.get("/manifest.webmanifest"),
    "offline page": lambda app, c, a: c.get("/offline"),
    "favicon redirect": lambda app, c, a: c.get("/favicon.ico"),
    "calendar feed": _feed,
    "404 html": lambda app, c, a: c.get("/no-such-page"),
    "404 json": lambda app, c, a: c.get("/api/v1/no-such-thing"),
    "404 static": lambda app, c, a: c.get("/static/nope.css"),
    "405": lambda app, c, a: c.put("/login"),
    "500 html and json": _boom,
}


@pytest.mark.parametrize("kind", RESPONSES)
def test_every_response_type_carries_the_security_headers(app, client, alice, kind):
    client.open = functools.partial(client.open, base_url="https://localhost")  # expect HSTS too
    responses = RESPONSES[kind](app, client, alice)
    for response in responses if isinstance(responses, list) else [responses]:
        headers = response.headers
        assert (response.status_code == 500) == kind.startswith("500")
        assert headers["Content-Security-Policy"] == CSP
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in headers["Permissions-Policy"]
        assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_the_policy_allows_no_inline_code_and_no_other_origins():
    directives = dict(d.strip().split(" ", 1) for d in CSP.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert directives["base-uri"] == "'none'"
    assert "unsafe" not in CSP and "http" not in CSP and "*" not in CSP


def test_the_default_body_limit_is_two_megabytes(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 2 * 1024 * 1024


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096}])
def test_an_oversized_json_body_is_a_json_413_and_saves_nothing(app, alice_client, alice):
    response = alice_client.post("/api/v1/sessions", json={"notes": "x" * 10_000})
    assert response.status_code == 413
    assert response.is_json and response.json["errors"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(MassageSession.id))) == 0


def test_values_the_database_refuses_are_a_400_not_a_500(app, client):
    """PostgreSQL rejects NUL bytes in text; that is bad input, not a server error."""
    from sqlalchemy.exc import DataError

    @app.get("/api/v1/_nul")
    def nul():
        raise DataError("SELECT", {}, Exception("text fields cannot contain NUL (0x00) bytes"))

    response = client.get("/api/v1/_nul")
    assert response.status_code == 400
    assert response.json["errors"]["request"]


def test_signed_in_pages_are_never_stored(app, client, alice_client):
    """Health data is kept by no cache, not even the browser's disk cache on a shared device;
    static files keep their long caching."""
    for path in ("/", "/trends", "/sessions", "/settings", "/api/v1/sessions"):
        response = alice_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
    assert "Cache-Control" not in client.get("/login").headers  # nobody's data in it
    with app.test_request_context():
        from tracker.pwa.assets import static_url

        css = static_url("css/app.css")
    assert alice_client.get(css).headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_bearer_token_response_is_never_stored(app, client, alice):
    from tracker.accounts.tokens import new_token

    with app.app_context():
        raw = new_token(db.session.get(User, alice.id), "t")[1]
        db.session.commit()
    response = client.get("/api/v1/sessions", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"


def test_signed_in_pages_are_sent_uncompressed_because_of_breach(app, client, alice_client):
    """They hold the session's CSRF token next to echoed query text; see docs/security.md."""
    br = {"Accept-Encoding": "br, gzip"}
    page = alice_client.get("/sessions?therapist=csrf_token", headers=br)
    assert page.status_code == 200 and b"csrf_token" in page.data
    assert "Content-Encoding" not in page.headers
    assert alice_client.get("/api/v1/sessions", headers=br).headers.get("Content-Encoding") in (
        "br",
        None,  # JSON holds no token; it is compressed once it is big enough
    )
    assert client.get("/login", headers=br).headers["Content-Encoding"] == "br"  # anonymous


def test_a_page_that_echoes_nothing_is_compressed_but_not_with_other_parameters(alice_client):
    """Trends echoes only `range`, checked against fixed values: compressed while signed in
    (its first load fits 50 KB). Any other parameter turns compression off again."""
    import brotli  # the encoder the app uses (pwa/assets.py)

    br = {"Accept-Encoding": "br"}
    for path in ("/trends", "/trends?range=all", "/trends?range=nonsense"):
        page = alice_client.get(path, headers=br)
        assert page.status_code == 200 and page.headers["Content-Encoding"] == "br", path
        assert b"csrf-token" in brotli.decompress(page.data)
    for path in ("/trends?range=all&x=csrf_token", "/trends?csrf_token"):
        page = alice_client.get(path, headers=br)
        assert "Content-Encoding" not in page.headers and b"csrf-token" in page.data, path


def test_flask_wtf_tokens_carry_a_constant_part_so_masking_is_not_relied_on(alice_client):
    """The signed token is base64(secret).timestamp.signature: its first part is the same in
    every response of a session, which is why signed-in pages are not compressed."""
    first, second = (alice_client.get("/api/v1/csrf-token").json["csrf_token"] for _ in "ab")
    assert first.split(".")[0] == second.split(".")[0]


@pytest.fixture
def open_umask():
    """The most permissive umask: file modes must not depend on it."""
    old = os.umask(0)
    yield
    os.umask(old)


def test_a_new_sqlite_database_is_private(tmp_path, open_umask):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/new.db"})
    with app.app_context():
        db.create_all()
        made = sorted(p.name for p in tmp_path.iterdir())
        modes = {p.name: p.stat().st_mode & 0o777 for p in tmp_path.iterdir()}
        db.engine.dispose()
    assert made == ["new.db", "new.db-shm", "new.db-wal"]
    assert set(modes.values()) == {0o600}, modes


def test_the_vapid_key_is_written_private_in_a_private_folder(tmp_path, monkeypatch, open_umask):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    key = tmp_path / "instance" / "vapid_private.pem"
    for args in (["push", "init-keys"], ["push", "init-keys", "--force"]):
        result = app.test_cli_runner().invoke(args=args)
        assert result.exit_code == 0, result.output
        assert key.stat().st_mode & 0o777 == 0o600
        assert [p.name for p in key.parent.iterdir()] == [key.name]  # no temporary file left
    assert key.parent.stat().st_mode & 0o777 == 0o700
    assert key.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")


TOKEN_URLS = [
    ("GET /calendar/Zk3_secret-Token.ics HTTP/1.1", "GET /calendar/[redacted] HTTP/1.1"),
    (
        "POST /api/v1/actions/eyJ1Ijo.secret-sig HTTP/1.1",
        "POST /api/v1/actions/[redacted] HTTP/1.1",
    ),
    # The morning check-in's one-tap page: its token answers for two days.
    ("GET /act/eyJ1Ijo.secret-sig?do=checkin HTTP/1.1", "GET /act/[redacted]?do=checkin HTTP/1.1"),
    ("GET /sessions?page=2 HTTP/1.1", "GET /sessions?page=2 HTTP/1.1"),
]


@pytest.mark.parametrize(("line", "logged"), TOKEN_URLS)
def test_gunicorn_access_log_redacts_tokens(tmp_path, line, logged):
    """The Procfile's logger class, through gunicorn's own access-log formatting."""
    import datetime
    import runpy

    from gunicorn.config import Config

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    logger = settings["logger_class"](cfg)
    method, uri, protocol = line.split(" ")
    environ = {
        "REQUEST_METHOD": method,
        "RAW_URI": uri,
        "PATH_INFO": uri.split("?")[0],
        "QUERY_STRING": uri.partition("?")[2],
        "SERVER_PROTOCOL": protocol,
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": "https://app.example" + uri,
    }
    response = type("Response", (), {"status": "200 OK", "sent": 10, "headers": []})()
    logger.access(response, [], environ, datetime.timedelta(milliseconds=5))
    for handler in logger.access_log.handlers:
        handler.close()
    text = (tmp_path / "access.log").read_text()
    assert f'"{logged}"' in text and "secret" not in text


@pytest.mark.parametrize(("line", "logged"), TOKEN_URLS)
def test_the_dev_server_log_redacts_tokens(app, caplog, line, logged):
    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").info('"%s" %s %s', line, "200", "-")
    assert caplog.records[-1].getMessage() == f'"{logged}" 200 -'


def test_redirect_targets_stay_on_the_site_and_never_break_the_header(alice_client):
    """ "back"/"next" values: tabs and newlines are dropped by browsers from a Location (so
    "/\\t/evil.example" would leave the site) and a newline would break the header (500)."""
    from tracker.values import local_path

    for evil in ("/\t/evil.example", "/\n/x", "//evil.example", "/\\evil.example", "https://e.x",
                 "/ /evil.example", "", None, ["/"]):  # fmt: skip
        assert local_path(evil, "/fallback") == "/fallback", evil
    assert local_path("/sessions?kind=self", "/") == "/sessions?kind=self"
    for evil in ("/\t/evil.example", "/\n/x"):
        response = alice_client.post("/safety/advisory", data={"back": evil})
        assert response.status_code == 302 and response.location == "/routine", evil
        response = alice_client.post("/sessions/done/999999", data={"next": evil})
        assert response.status_code in (302, 404)
