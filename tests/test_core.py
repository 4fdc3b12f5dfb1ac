"""Health check, error pages, migrations and headers."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from tracker.extensions import db


def test_healthz_round_trips_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_404_uses_the_layout(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Not found" in response.data and b"<main" in response.data


def test_api_404_is_json(client):
    response = client.get("/api/v1/nope")
    assert response.status_code == 404
    assert "errors" in response.json


def test_500_rolls_back_and_renders_page(app, client):
    @app.get("/boom")
    def boom():
        db.session.execute(db.text("SELECT 1"))
        raise RuntimeError("kaboom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong" in response.data


def test_security_headers_on_every_response(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_migrations_match_models(app):
    """`flask db upgrade` from empty reaches a schema identical to the models."""
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == []
