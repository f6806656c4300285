"""The hosted app's Streamlit settings (.streamlit/config.toml): what a student's browser is shown."""

from __future__ import annotations

import logging
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
try:
    from tomllib import loads as read_toml  # Python 3.11+
except ImportError:  # Python 3.10: the parser Streamlit itself depends on
    from toml import loads as read_toml

CONFIG = read_toml((ROOT / ".streamlit" / "config.toml").read_text())


def test_tracebacks_stay_on_the_server():
    assert CONFIG["client"]["showErrorDetails"] == "none"


class _Records(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_a_crash_shows_a_short_message_and_no_server_path():
    def crashes():
        raise RuntimeError("/srv/secret/app/path.py leaked")

    server_log = logging.getLogger("streamlit.error_util")   # where Streamlit logs uncaught exceptions
    records = _Records()
    server_log.addHandler(records)
    try:
        at = AppTest.from_function(crashes).run()   # AppTest reads the project's config, as `streamlit run` does
    finally:
        server_log.removeHandler(records)
    (shown,) = at.exception
    assert shown.message.startswith("This app has encountered an error. The original error message is redacted")
    assert "/srv/secret" not in shown.message and not shown.stack_trace
    # The details are in the server's log, for the host.
    (record,) = [r for r in records.records if r.getMessage() == "Uncaught app execution"]
    assert "/srv/secret/app/path.py leaked" in str(record.exc_info[1])


def test_students_see_no_developer_menu():
    assert CONFIG["client"]["toolbarMode"] == "viewer"
