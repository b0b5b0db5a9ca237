"""How the standalone app ends a request's transaction: a page that only read commits
(PostgreSQL keeps the connection's prepared statements), anything else is not committed."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event, select, text

from lms.app import create_app, db
from lms.catalog import views as catalog_views
from lms.core import acting_person, read
from lms.models import Person, Role


@contextmanager
def transaction_ends(engine):
    """The commits and rollbacks of connections of ``engine`` meanwhile, in order."""
    ends: list[str] = []

    def committed(conn):
        ends.append("commit")

    def rolled_back(conn):
        ends.append("rollback")

    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)
    try:
        yield ends
    finally:
        event.remove(engine, "commit", committed)
        event.remove(engine, "rollback", rolled_back)


def stored_name(person_id: int) -> str:
    """The name as committed, read on a connection of its own."""
    with db.engine.connect() as other:
        return other.scalar(select(Person.full_name).where(Person.id == person_id))


def test_a_page_that_only_read_ends_its_transaction_with_a_commit(app, client, make, sign_in):
    sign_in(make.person(Role.OFFICER))
    db.session.commit()  # the test's own reads end here, not in the request
    with transaction_ends(db.engine) as ends:
        assert client.get("/training/").status_code == 200
    assert ends == ["commit"]


@pytest.mark.parametrize("flushed", [True, False], ids=["flushed", "pending"])
def test_a_change_a_page_left_uncommitted_is_never_committed(
    app, client, make, sign_in, monkeypatch, flushed
):
    person = make.person(Role.OFFICER, name="Dana Ortiz")
    sign_in(person)

    def renaming_viewer():
        viewer = acting_person()
        viewer.full_name = "Renamed Without Commit"
        if flushed:
            db.session.flush()
        return viewer

    monkeypatch.setattr(catalog_views, "acting_person", renaming_viewer)
    with transaction_ends(db.engine) as ends:
        assert client.get("/training/courses/").status_code == 200
    assert "commit" not in ends
    db.session.rollback()
    assert stored_name(person.id) == "Dana Ortiz"


def test_a_request_that_wrote_with_core_sql_is_not_committed_by_the_app(
    app, client, make, sign_in, monkeypatch
):
    person = make.person(Role.OFFICER, name="Dana Ortiz")
    sign_in(person)

    def writing_viewer():
        db.session.execute(
            text("UPDATE lms_person SET full_name = 'Core Rename' WHERE id = :id"),
            {"id": person.id},
        )
        return acting_person()

    monkeypatch.setattr(catalog_views, "acting_person", writing_viewer)
    with transaction_ends(db.engine) as ends:
        assert client.get("/training/courses/").status_code == 200
    assert "commit" not in ends
    db.session.rollback()
    assert stored_name(person.id) == "Dana Ortiz"


def test_without_prepared_statements_a_page_that_read_is_rolled_back(app_config):
    app = create_app({**app_config, "LMS_DB_PREPARED_STATEMENTS": False})
    with app.app_context():
        engine = db.engine
    with transaction_ends(engine) as ends:
        assert app.test_client().get("/training/courses/").status_code == 200
    engine.dispose()
    assert ends == ["rollback"]


def test_a_read_of_columns_sees_the_requests_own_unflushed_changes(app, make):
    """``lms.core.read`` goes past the ORM's execution step, but not past its autoflush:
    a page that changed a row and then reads columns reads its own change."""
    officer = make.person(Role.OFFICER, name="Dana Reyes")
    make.db.commit()
    officer.full_name = "Dana Reyes-Ortiz"  # pending, not flushed
    newcomer = Person(full_name="Sam Ortiz", organization_id=officer.organization_id)
    db.session.add(newcomer)
    names = read(select(Person.full_name).order_by(Person.full_name)).scalars().all()
    assert "Dana Reyes-Ortiz" in names and "Sam Ortiz" in names
    assert "Dana Reyes" not in names
    db.session.rollback()
    assert stored_name(officer.id) == "Dana Reyes"  # flushed, never committed
