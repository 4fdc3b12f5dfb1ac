"""Health check, error pages, migrations and headers."""

import pytest
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


def test_integers_are_bounded_before_int():
    """int() raises ValueError past 4,300 digits: every parser counts digits first."""
    from tracker.values import Invalid, parse_int, parse_page, parse_row_id

    big = "9" * 5000
    with pytest.raises(Invalid, match="outside that range"):
        parse_int(big, 0, 10)
    with pytest.raises(Invalid, match="that number is outside"):
        parse_int(10**4000, 0, 10)  # a JSON integer: never str() it into the message
    assert parse_int(" 0007 ", 0, 10) == 7 and parse_int("-3", -5, 5) == -3
    assert parse_row_id(big) is None and parse_row_id("9223372036854775808") is None
    assert parse_row_id("9223372036854775807") == 2**63 - 1
    assert [parse_page(v) for v in ("", "x", "0", "-2", "3", "0003", big)] == [
        1,
        1,
        1,
        1,
        3,
        3,
        100_000,
    ]


def test_a_form_integer_refuses_long_digit_strings_before_int(app):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    from tracker.core import BoundedIntegerField

    class Form(FlaskForm):
        n = BoundedIntegerField("N", max_digits=4)

    with app.test_request_context(method="POST"):
        for raw, ok in (("9" * 5000, False), ("12345", False), ("0001234", True), ("x", False)):
            form = Form(formdata=MultiDict({"n": raw}), meta={"csrf": False})
            assert form.validate() is ok, raw
        assert form.n.errors and "at most 4 digits" not in form.n.errors[0]  # "x": not a number
        form = Form(formdata=MultiDict({"n": "9" * 5000}), meta={"csrf": False})
        form.validate()
        assert form.n.errors == ["Enter a number of at most 4 digits."]


def test_zone_names_are_checked_by_shape_before_zoneinfo():
    from zoneinfo import available_timezones

    from tracker.timeutil import is_valid_zone

    assert all(is_valid_zone(name) for name in available_timezones())
    for name in ("a" * 300, "Europe/" + "x" * 300, "America", "Europe/Berlin/", "../etc/x", ""):
        assert not is_valid_zone(name), name  # OSError, IsADirectoryError, ValueError before
