"""Make the manifest's screenshots from the running app, with Playwright and Debian's Chromium.

Run: .venv/bin/python -m bench.screenshots   (writes static/screenshots/narrow.png, wide.png)

A demo account with a few months of sessions and one booked appointment is seeded into a
throwaway SQLite database under bench/out; the app is served on a loopback port in this
process. The PNGs are reduced to a 64-colour palette, which keeps each one well under 80 KB
(the flat UI survives it) so the install dialog stays quick on a phone connection.
"""

from __future__ import annotations

import io
import os
import threading
import uuid
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from PIL import Image

from .common import OUT, app_env, make_db

ROOT = Path(__file__).resolve().parent.parent
DEST = ROOT / "static" / "screenshots"
# name -> (viewport, path, mobile): the sizes the manifest declares.
SHOTS = {
    "narrow": ({"width": 390, "height": 844}, "/", True),
    "wide": ({"width": 1280, "height": 800}, "/trends", False),
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-sync"]
COLOURS = 64


def seed(app) -> tuple[str, str]:
    from tracker.extensions import db
    from tracker.models import Appointment, PushSubscription, User

    from .seed import EMAIL, PASSWORD, seed_user

    with app.app_context():
        seed_user(sessions=40, years=0.4)
        user = db.session.scalar(db.select(User).where(User.email == EMAIL))
        user.safety_conditions = []
        user.advisory_dismissed = True
        start = datetime.combine(datetime.now(UTC).date() + timedelta(days=3), time(16, 30), UTC)
        db.session.add(
            Appointment(
                user_id=user.id,
                client_id=str(uuid.uuid4()),
                starts_at=start,
                therapist_name="Dana",
                style="deep_tissue",
                location="Studio 4",
            )
        )
        # A device, so the page shows what a set-up account sees (no "reminders are off").
        db.session.add(
            PushSubscription(
                user_id=user.id, endpoint="https://push.invalid/demo", p256dh="-", auth="-"
            )
        )
        db.session.commit()
    return EMAIL, PASSWORD


def shrink(png: bytes) -> bytes:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    small = image.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT)
    out = io.BytesIO()
    small.save(out, format="PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from tracker import create_app

    env = app_env(make_db("screenshots"))
    env["APP_URL"] = "https://back-relief.example"  # required in production mode; unused here
    os.environ.update(env)
    app = create_app()
    with app.app_context():
        upgrade(revision="heads")  # until parallel migrations are chained
    email, password = seed(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    DEST.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for name, (viewport, path, mobile) in SHOTS.items():
                context = browser.new_context(
                    base_url=base,
                    viewport=viewport,
                    is_mobile=mobile,
                    has_touch=mobile,
                    color_scheme="light",
                    service_workers="block",
                )
                page = context.new_page()
                page.goto("/login")
                page.fill("#email", email)
                page.fill("#password", password)
                page.click("main button[type=submit]")
                page.wait_for_url(f"{base}/")
                page.goto(path, wait_until="networkidle")
                data = shrink(page.screenshot(full_page=False))
                (DEST / f"{name}.png").write_bytes(data)
                print(f"{name}: {viewport['width']}x{viewport['height']}, {len(data):,} bytes")
                context.close()
            browser.close()
    finally:
        server.shutdown()
    print(f"screenshots written to {DEST} (database: {OUT / 'screenshots.db'})")


if __name__ == "__main__":
    main()
