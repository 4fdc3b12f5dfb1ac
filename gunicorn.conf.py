"""gunicorn settings for the web process (Procfile: `gunicorn --config gunicorn.conf.py …`).

gunicorn also reads this file by itself when started from the project folder. It only swaps
the logger: the access log must not keep credentials that travel in URL paths (the calendar
feed token, notification action tokens), since logs are kept longer and read by more people
than the database. Where the log goes stays on the command line (--access-logfile).
"""

import os
import sys

from gunicorn.glogging import Logger

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # `tracker` from any folder

from tracker.core import redact_tokens  # noqa: E402  (needs the path above)


class RedactingLogger(Logger):
    """Every text atom (request line %(r)s, path %(U)s, referrer %(f)s, headers %({x}i)s)
    with the tokens replaced by [redacted]."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: redact_tokens(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = RedactingLogger
