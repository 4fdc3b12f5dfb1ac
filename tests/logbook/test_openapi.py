"""docs/openapi.yaml describes exactly the /api/v1 routes the app serves."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

SPEC = Path(__file__).resolve().parents[2] / "docs" / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


def normalise(path: str) -> str:
    return re.sub(r"\{[^}]+\}|<(?:[^:>]+:)?[^>]+>", "{}", path)


def test_the_openapi_document_matches_the_routes(app):
    spec = yaml.safe_load(SPEC.read_text())
    assert spec["openapi"].startswith("3.1")
    documented = {
        (normalise(path), method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }
    served = {
        (normalise(rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented - served == set(), "documented but not served"
    assert served - documented == set(), "served but not documented in docs/openapi.yaml"


def test_every_reference_resolves():
    spec = yaml.safe_load(SPEC.read_text())
    text = SPEC.read_text()
    for ref in set(re.findall(r'\$ref: "#/components/(\w+)/(\w+)"', text)):
        assert ref[1] in spec["components"][ref[0]], ref
