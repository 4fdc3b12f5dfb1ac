"""Production refuses to start without a real VAPID_SUBJECT; development keeps a default."""

from __future__ import annotations

import pytest

from tracker import config, create_app
from tracker.config import DEV_VAPID_SUBJECT, ConfigError

PLACEHOLDERS = [
    "mailto:admin@localhost",
    "mailto:ops@example.com",
    "mailto:a@mail.example.org",
    "https://example.net/contact",
    "https://localhost:8443/",
    "https://127.0.0.1/",
    "mailto:ops@push.localhost",
]
REAL = [
    "mailto:ops@backrelief.app",
    "https://backrelief.app/contact",
    "mailto:push-ops@counterexample.com",
]


@pytest.fixture(autouse=True)
def production(monkeypatch, tmp_path):
    for name in ("VAPID_SUBJECT", "BACK_RELIEF_DEV", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SECRET_KEY", "subject-test-secret-of-32-characters")
    monkeypatch.setenv("APP_URL", "https://backrelief.app")
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path))


def test_production_without_a_subject_refuses_to_start(tmp_path):
    with pytest.raises(ConfigError, match="VAPID_SUBJECT is required in production"):
        create_app()


@pytest.mark.parametrize("subject", PLACEHOLDERS)
def test_production_refuses_a_placeholder_subject(tmp_path, monkeypatch, subject):
    monkeypatch.setenv("VAPID_SUBJECT", subject)
    with pytest.raises(ConfigError, match="VAPID_SUBJECT must be a real contact"):
        config.load(tmp_path)


@pytest.mark.parametrize("subject", ["ops@backrelief.app", "mailto:", "http://backrelief.app"])
def test_a_malformed_subject_is_refused_everywhere(tmp_path, monkeypatch, subject):
    monkeypatch.setenv("VAPID_SUBJECT", subject)
    monkeypatch.setenv("BACK_RELIEF_DEV", "1")
    with pytest.raises(ConfigError, match="VAPID_SUBJECT must be a mailto: or https: URL"):
        config.load(tmp_path)


@pytest.mark.parametrize("subject", REAL)
def test_production_accepts_a_real_subject(tmp_path, monkeypatch, subject):
    monkeypatch.setenv("VAPID_SUBJECT", subject)
    assert config.load(tmp_path)["VAPID_SUBJECT"] == subject


def test_development_keeps_a_default_and_accepts_localhost(tmp_path, monkeypatch):
    monkeypatch.setenv("BACK_RELIEF_DEV", "1")
    assert config.load(tmp_path)["VAPID_SUBJECT"] == DEV_VAPID_SUBJECT
    monkeypatch.setenv("VAPID_SUBJECT", "mailto:me@localhost")
    assert config.load(tmp_path)["VAPID_SUBJECT"] == "mailto:me@localhost"


def test_tests_keep_the_default(tmp_path):
    assert config.load(tmp_path, {"TESTING": True})["VAPID_SUBJECT"] == DEV_VAPID_SUBJECT


@pytest.mark.parametrize(
    ("url", "problem"),
    [(None, "APP_URL is required in production"), ("http://backrelief.app", "must use https")],
)
def test_production_needs_the_https_app_url_notifications_link_to(
    tmp_path, monkeypatch, url, problem
):
    monkeypatch.setenv("VAPID_SUBJECT", "mailto:ops@backrelief.app")
    if url is None:
        monkeypatch.delenv("APP_URL")
    else:
        monkeypatch.setenv("APP_URL", url)
    with pytest.raises(ConfigError, match=problem):
        config.load(tmp_path)


def test_development_defaults_the_app_url(tmp_path, monkeypatch):
    monkeypatch.delenv("APP_URL")
    monkeypatch.setenv("BACK_RELIEF_DEV", "1")
    assert config.load(tmp_path)["APP_URL"] == "http://localhost:5000"
    monkeypatch.setenv("APP_URL", "https://tracker.example.org/")
    assert config.load(tmp_path)["APP_URL"] == "https://tracker.example.org"
