"""What each process keeps of the catalog (``lms.site_cache``) never outlives a change.

Two apps on one database stand for two gunicorn workers: what one writes, by the
LMS or by any other writer, the other shows on its very next page.
"""

from datetime import timedelta

from sqlalchemy import event, text

from lms.app import create_app, db
from lms.models import Organization, OrganizationKind, RenewalMethod, TrackRenewalPath
from lms.status.routes import track_routes
from tests.rosters.helpers import visible


def statements_of(send) -> list[str]:
    """The SQL statements ``send()`` makes this test's app run."""
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        send()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return seen


def _due_soon_officer(program, sign_in):
    officer = program.officer()
    program.certify(officer, program.alerrt, expires_on=program.today + timedelta(days=30))
    sign_in(officer)
    return officer


def test_a_change_made_by_another_process_shows_on_the_next_page(
    app, app_config, client, make, sign_in, program
):
    _due_soon_officer(program, sign_in)
    first = visible(client.get("/training/status/"))
    assert "Renew by completing ALERRT-REFRESH" in first
    assert "Missoula Police Department" in first

    # Asked again with nothing changed: neither the routes nor the name is read again.
    again = statements_of(lambda: client.get("/training/status/"))
    assert not [s for s in again if "lms_track_renewal_path" in s]
    assert not [s for s in again if "FROM lms_organization" in s and "kind" in s]

    other = create_app(app_config)  # another worker: its own engine, its own cache
    with other.app_context():
        db.session.execute(
            text("UPDATE lms_course SET code = 'ALERRT-R2' WHERE code = 'ALERRT-REFRESH'")
        )
        department = (
            db.session.query(Organization).filter_by(kind=OrganizationKind.DEPARTMENT).one()
        )
        department.name = "Missoula Police Dept. Training Division"
        db.session.commit()
        db.session.remove()
        db.engine.dispose()

    after = visible(client.get("/training/status/"))
    assert "Renew by completing ALERRT-R2" in after
    assert "Missoula Police Dept. Training Division" in after


def test_what_a_rolled_back_transaction_read_is_never_served(app, program):
    def renewal_codes():
        routes = track_routes([program.alerrt])
        return [c.code for c in routes[program.alerrt.id].renewal_courses]

    with app.test_request_context():
        assert renewal_codes() == ["ALERRT-REFRESH"]
    with app.test_request_context():
        db.session.get(type(program.refresher), program.refresher.id).code = "ALERRT-DRAFT"
        db.session.flush()  # the trigger makes a token that is never committed
        assert renewal_codes() == ["ALERRT-DRAFT"]  # kept under that token
        db.session.rollback()

    # A writer commits another change: a counter would now hand out the token the
    # rolled-back transaction made, and serve what was kept under it.
    with app.test_request_context():
        db.session.execute(
            text("UPDATE lms_course SET title = title || ' (2027)' WHERE id = :id"),
            {"id": program.crase.id},
        )
        db.session.commit()
    with app.test_request_context():
        assert renewal_codes() == ["ALERRT-REFRESH"]


def test_a_new_renewal_path_and_a_retired_course_show_at_once(app, client, make, sign_in, program):
    _due_soon_officer(program, sign_in)
    assert "Renew by completing ALERRT-REFRESH" in visible(client.get("/training/status/"))
    online = make.course(code="ALERRT-ONLINE", organization=program.department)
    db.session.add(
        TrackRenewalPath(track=program.alerrt, method=RenewalMethod.COMPLETE_COURSE, course=online)
    )
    db.session.commit()
    assert "Renew by completing ALERRT-ONLINE or ALERRT-REFRESH" in visible(
        client.get("/training/status/")
    )
    online.active = False
    db.session.commit()
    assert "Renew by completing ALERRT-REFRESH." in visible(client.get("/training/status/"))


def test_a_database_without_the_stamp_row_reads_everything_fresh(app, client, sign_in, program):
    _due_soon_officer(program, sign_in)
    db.session.execute(text("DELETE FROM lms_catalog_stamp"))
    db.session.commit()
    assert "Renew by completing ALERRT-REFRESH" in visible(client.get("/training/status/"))
    db.session.execute(
        text("UPDATE lms_course SET code = 'ALERRT-R3' WHERE code = 'ALERRT-REFRESH'")
    )
    db.session.commit()
    assert "Renew by completing ALERRT-R3" in visible(client.get("/training/status/"))
