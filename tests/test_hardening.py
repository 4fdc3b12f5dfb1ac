"""Security headers behind proxies, body limits and database outages."""

import pytest
from sqlalchemy.exc import OperationalError

from tracker.extensions import db
from tracker.models import User


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

    with app.app_context():
        monkeypatch.setattr(db.session, "execute", down)
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
