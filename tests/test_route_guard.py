"""Walk every registered route and check it refuses what it must.

For each rule in app.url_map and each of its methods:
- anonymous: 302 to /login (pages) or 401 JSON (/api/), unless listed in PUBLIC;
- alice on bob's objects: 404, and bob's rows are unchanged (compared via export_user);
- alice with her session cookie but no CSRF token on an unsafe method: 400, unless CSRF_EXEMPT;
- alice's Bearer token and no cookie: pages as for a stranger, /api/v1 as alice (404 on bob's
  objects), and a read-only token gets a 403 on every unsafe method.

A new route fails here until someone decides where it belongs: add it to PUBLIC (with the
reason), or give its URL arguments an entry in OBJECT_ARGS.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from tracker.accounts.data import export_user
from tracker.accounts.tokens import new_token
from tracker.extensions import db
from tracker.models import User
from tracker.models.token import READ
from tracker.reminders.keys import generate_pem

from .conftest import AuthActions
from .seed import Rows, push_keys, seed

# Endpoints an anonymous visitor may use, and why. Keep this list short and explicit.
PUBLIC = {
    "healthz": "load balancer probe; reports only database reachability",
    "static": "CSS, JS and icons",
    "accounts.login": "the way in",
    "accounts.register": "the way in",
    "accounts.logout": "harmless when logged out; still needs CSRF",
    "accounts.forgot_password": "the way back in; the same answer for any email, rate-limited",
    "accounts.reset_password": "the signed, expiring reset token in the URL is the credential",
    "accounts.confirm_email": "the signed token mailed to the new address is the credential",
    "pwa.manifest": "browsers fetch it without credentials",
    "pwa.service_worker": "must load before login to serve the offline shell",
    "pwa.offline": "precached offline page, no user data",
    "pwa.outbox": "renders this device's IndexedDB queue client-side; no server data",
    "pwa.favicon": "redirect to a static icon",
    "api.csrf_token": "a token for this cookie session only; useless cross-site (no CORS)",
    "routines.feed": "calendar apps cannot log in; the secret token in the URL is the credential",
    "api.perform_action": "the signed single-use token in the URL is the credential",
    "reminders.act_page": "a notification opens it; the signed token in the URL is the credential",
    "reminders.act_submit": "its one button; the signed single-use token is the credential",
    "trends.dashboard": "anonymous visitors get the landing page there (pwa/views.py), which "
    "shows no user data",
    "trends.shared_summary": "a therapist opens the share link without an account; the secret "
    "token in the URL is the credential, and the page shows only the summary",
}
# Public endpoints whose URL token is the credential: a wrong token must be a 404.
TOKEN_AUTH = {
    "routines.feed",
    "accounts.reset_password",
    "accounts.confirm_email",
    "api.perform_action",
    "reminders.act_page",
    "reminders.act_submit",
    "trends.shared_summary",
}
# Unsafe methods that skip the CSRF check, and why.
CSRF_EXEMPT = {
    "api.perform_action": "called by the service worker, which has no page or cookie; "
    "the signed single-use token is the credential",
    "reminders.act_submit": "a notification opens the page in a browser that may have no "
    "session; the signed single-use token is the credential",
}
# URL argument name -> the Rows attribute holding the owner's id for it.
OBJECT_ARGS = {
    "appointment_id": "appointment",
    "routine_id": "routine",
    "therapist_id": "therapist",
    "reminder_id": "reminder",
    "sub_id": "subscription",
    "token_id": "api_token",
    "signin_id": "sign_in",
    "link_id": "share_link",
    "raw_id": "session_uuid",  # MassageSession.client_id
}
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
# Arguments of public routes, which are not owned objects.
PUBLIC_ARGS = {"filename": "css/app.css", "token": "not-a-valid-token"}


def rules(app) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


def methods(rule: Rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def urls(rule: Rule, rows: Rows) -> list[str]:
    """Every URL for this rule with the given user's objects (each value of an any())."""
    values: dict[str, list] = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)
        elif rule.endpoint in PUBLIC and name in PUBLIC_ARGS:
            values[name] = [PUBLIC_ARGS[name]]
        elif name in OBJECT_ARGS:
            values[name] = [getattr(rows, OBJECT_ARGS[name])]
        else:
            pytest.fail(
                f"Route {rule.rule} ({rule.endpoint}) has URL argument {name!r} that this test "
                f"cannot map to an owned object. Add it to OBJECT_ARGS in {__file__} (argument "
                "name -> Rows attribute, extending tests/seed.py if needed), or to PUBLIC."
            )
    combos: list[dict] = [{}]
    for name, options in values.items():
        combos = [{**c, name: v} for c in combos for v in options]
    return [rule.build(c, append_unknown=False)[1] for c in combos]


def call(client, method: str, url: str, **kwargs):
    """An unsafe request with an empty body of the kind the route expects."""
    if method in UNSAFE:
        kwargs["json" if url.startswith("/api/") else "data"] = {}
    return client.open(url, method=method, **kwargs)


def snapshot(app, user_id: int) -> dict:
    with app.app_context():
        data = export_user(user_id)
        db.session.remove()
    # Using a sign-in moves its last-seen time (once a minute), whatever the request did.
    for row in data["sign_in"]:
        row.pop("last_seen_at")
    return data


@pytest.fixture(scope="module")
def vapid_pem() -> str:
    return generate_pem().decode()


@pytest.fixture
def app_config(vapid_pem) -> dict:
    return {"VAPID_PRIVATE_KEY": vapid_pem}  # so /api/v1/push/public-key can answer


@pytest.fixture
def bob_rows(app, bob) -> Rows:
    return seed(app, bob)


@pytest.fixture
def alice_rows(app, alice) -> Rows:
    return seed(app, alice)


def test_the_allowlists_name_only_existing_endpoints(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()}
    assert set(PUBLIC) <= endpoints
    assert set(PUBLIC) >= TOKEN_AUTH and set(CSRF_EXEMPT) <= endpoints


def test_anonymous_visitors_are_sent_to_login(app, client, bob_rows):
    problems = []
    for rule in rules(app):
        for method in methods(rule):
            for url in urls(rule, bob_rows):
                response = call(client, method, url)
                got = f"{method} {url} ({rule.endpoint}) -> {response.status_code}"
                if response.status_code >= 500:
                    problems.append(got)
                elif rule.endpoint in TOKEN_AUTH:
                    if response.status_code != 404:
                        problems.append(got + ", expected 404 for a wrong token")
                elif rule.endpoint in PUBLIC:
                    continue
                elif url.startswith("/api/"):
                    if response.status_code != 401 or "errors" not in (response.json or {}):
                        problems.append(got + ", expected 401 JSON")
                elif response.status_code != 302 or not response.location.startswith("/login"):
                    problems.append(got + ", expected 302 to /login")
    assert problems == []


def test_alice_cannot_read_or_change_bobs_objects(app, alice_rows, bob_rows):
    client = app.test_client()
    auth = AuthActions(client)
    auth.login("alice")
    before = snapshot(app, bob_rows.user_id)
    problems = []
    for rule in rules(app):
        if rule.endpoint in PUBLIC:
            continue
        for method in methods(rule):
            for url in urls(rule, bob_rows):
                response = call(client, method, url)
                got = f"{method} {url} ({rule.endpoint}) -> {response.status_code}"
                if rule.arguments and response.status_code != 404:
                    problems.append(got + ", expected 404 for bob's object")
                elif response.status_code >= 500:
                    problems.append(got)
                if b"bob@example.com" in response.get_data():
                    problems.append(got + " shows bob's data")
                if snapshot(app, bob_rows.user_id) != before:
                    problems.append(got + " changed bob's rows")
                    before = snapshot(app, bob_rows.user_id)
                if rule.endpoint == "accounts.logout":
                    auth.login("alice")
    assert problems == []


def test_unsafe_requests_without_a_csrf_token_are_refused(app, alice_client, alice_rows):
    before = snapshot(app, alice_rows.user_id)
    problems = []
    for rule in rules(app):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        for method in set(methods(rule)) & set(UNSAFE):
            for url in urls(rule, alice_rows):
                response = call(alice_client, method, url, csrf=False)
                if response.status_code != 400:
                    problems.append(f"{method} {url} ({rule.endpoint}) -> {response.status_code}")
                elif url.startswith("/api/") and "csrf" not in response.json["errors"]:
                    problems.append(f"{method} {url}: not a JSON CSRF error")
    assert problems == []
    assert snapshot(app, alice_rows.user_id) == before


def test_a_bearer_token_opens_only_the_api(app, client, alice, alice_rows, bob_rows):
    with app.app_context():
        _, reader = new_token(db.session.get(User, alice.id), "reader", READ)
        db.session.commit()
    before = snapshot(app, bob_rows.user_id)
    problems = []
    for rule in rules(app):
        if rule.endpoint in PUBLIC:
            continue
        for method in methods(rule):
            for url in urls(rule, bob_rows):
                for scope, raw in (("write", alice_rows.raw_token), ("read", reader)):
                    response = call(client, method, url, headers={"Authorization": f"Bearer {raw}"})
                    status = response.status_code
                    got = f"{scope} token: {method} {url} ({rule.endpoint}) -> {status}"
                    if status >= 500:
                        problems.append(got)
                    elif not url.startswith("/api/"):
                        if status != 302 or not response.location.startswith("/login"):
                            problems.append(got + ", expected 302 to /login: pages need a session")
                    elif scope == "read" and method in UNSAFE:
                        if status != 403:
                            problems.append(got + ", expected 403 for a read-only token")
                    elif rule.arguments and status != 404:
                        problems.append(got + ", expected 404 for bob's object")
                    elif status in (401, 403):
                        problems.append(got + ", the token should authenticate the API")
                    if b"bob@example.com" in response.get_data():
                        problems.append(got + " shows bob's data")
    assert problems == []
    assert snapshot(app, bob_rows.user_id) == before


def test_the_walker_notices_an_unmapped_argument(app):
    rule = Rule("/gadgets/<int:gadget_id>", endpoint="gadgets.show")
    app.url_map.add(rule)
    with pytest.raises(pytest.fail.Exception, match="OBJECT_ARGS"):
        urls(rule, None)


def test_the_walker_notices_an_unguarded_route(app, client, bob_rows):
    """A route without login_required makes the anonymous walk fail."""
    app.add_url_rule("/leaky", "leaky", lambda: "bob's secrets")
    with pytest.raises(AssertionError, match="leaky"):
        test_anonymous_visitors_are_sent_to_login(app, client, bob_rows)


def test_ids_beyond_the_database_range_are_404_everywhere(app, alice_client, alice_rows):
    """A 20-digit id used to reach the driver and overflow (a 500) on several routes."""
    problems, checked = [], 0
    for rule in rules(app):
        ints = [n for n in rule.arguments if isinstance(rule._converters[n], IntegerConverter)]
        for method in methods(rule) if ints else []:
            url = urls(rule, alice_rows)[0]
            for name in ints:
                url = url.replace(f"/{getattr(alice_rows, OBJECT_ARGS[name])}", f"/{2**64}", 1)
            try:
                status = call(alice_client, method, url).status_code
            except OverflowError:
                status = 500
            checked += 1
            if status != 404:
                problems.append(f"{method} {url} -> {status}")
    assert checked > 10 and problems == []


def test_alice_cannot_take_over_bobs_device_by_its_endpoint(app, alice_client, bob_rows):
    """The endpoint alone is not enough: only the browser holding the keys may move it."""
    before = snapshot(app, bob_rows.user_id)
    stolen = {"endpoint": bob_rows.endpoint, "keys": push_keys()}
    response = alice_client.post("/api/v1/push/subscriptions", json=stolen)
    assert response.status_code == 409 and response.json["errors"]["endpoint"]
    assert snapshot(app, bob_rows.user_id) == before
    same_browser = {"endpoint": bob_rows.endpoint, "keys": bob_rows.keys}  # a shared device
    assert alice_client.post("/api/v1/push/subscriptions", json=same_browser).status_code == 200
