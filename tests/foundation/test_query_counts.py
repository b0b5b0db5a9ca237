"""Every main page asks the database the same number of times, whatever the data's size.

The large demo's generator builds the same world twice, small and about four
times larger in every direction (agencies, people, groups, seats per session,
audit events); each page is asked by the person who would open it, its SQL
statements counted on the engine. A count that grows with the data is an N+1:
the page would slow down with every officer or session a program adds.
"""

from __future__ import annotations

import shutil
from datetime import date

from sqlalchemy import create_engine, event

from lms.app import create_app, db
from lms.auth.passwords import hash_password
from lms.credentials.queries import key_store
from lms.demo import DEMO_PASSWORD
from lms.demo.large import Shape, load_large
from lms.demo.large_pages import main_pages

from ..conftest import FAST_HASHING, empty_postgres
from ..support import FormClient

TODAY = date(2026, 11, 30)
SMALL = Shape(
    agencies=3, officers=24, instructors=4, groups=3, participants=40,
    sessions=16, enrollments=240, audit_events=600,
)  # fmt: skip
LARGER = Shape(
    agencies=8, officers=96, instructors=8, groups=6, participants=160,
    sessions=24, enrollments=960, audit_events=3000,
)  # fmt: skip


def _counts(url: str, key_dir: str, shape: Shape) -> dict[str, int]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": url,
            "LMS_KEY_DIR": key_dir,
            "LMS_RATELIMIT_ENABLED": False,
            **FAST_HASHING,
        }
    )
    app.test_client_class = FormClient
    counts = {}
    with app.app_context():
        load_large(db.engine, hash_password(DEMO_PASSWORD), key_store().active_key(), TODAY, shape)
        pages = main_pages(db.session)
        clients = {}
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        for name, (email, page) in pages.items():
            if email not in clients:
                clients[email] = app.test_client()
                if email:
                    signed = clients[email].submit(
                        "/training/sign-in", {"email": email, "password": DEMO_PASSWORD}
                    )
                    assert signed.status_code == 302, (email, signed.status_code)
            clients[email].get(page)  # warm: the first request loads what is cached once
            before = len(statements)
            response = clients[email].get(page)
            assert response.status_code == 200, (name, page, response.status_code)
            counts[name] = len(statements) - before
        db.session.remove()
        db.engine.dispose()
    return counts


def test_query_counts_do_not_grow_with_the_data(database_url, tmp_path, request):
    small = _counts(database_url, str(tmp_path / "keys"), SMALL)
    if database_url.startswith("sqlite"):
        larger_url = f"sqlite:///{tmp_path / 'larger.sqlite3'}"
        shutil.copy(request.getfixturevalue("sqlite_template"), tmp_path / "larger.sqlite3")
    else:
        engine = create_engine(database_url)
        empty_postgres(engine)
        engine.dispose()
        larger_url = database_url
    larger = _counts(larger_url, str(tmp_path / "keys"), LARGER)
    grown = {
        page: f"{small[page]} -> {larger[page]}" for page in small if small[page] != larger[page]
    }
    assert not grown, f"SQL statements per page grew with the data: {grown}"
