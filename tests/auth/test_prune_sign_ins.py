"""`flask lms prune` removes ended sign-ins; live ones keep working, dead cookies stay dead."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from lms.models import AuditEvent, LoginSession, Role, utcnow


def test_prune_removes_ended_sign_ins_and_changes_no_answer(app, client, make, sign_in):
    officer = make.person(Role.OFFICER)
    sign_in(officer)
    app.test_client_class = type(client)  # the form-filling client, for the other browsers
    signed_out = app.test_client()
    signed_out.submit("/training/sign-in", {"email": officer.email, "password": make.PASSWORD})
    old_cookie = signed_out.get_cookie("session").value
    token = signed_out.csrf_token("/training/")
    assert signed_out.post("/training/sign-out", data={"csrf_token": token}).status_code == 302
    stale = app.test_client()
    stale.submit("/training/sign-in", {"email": officer.email, "password": make.PASSWORD})
    stale_cookie = stale.get_cookie("session").value
    newest = make.db.query(LoginSession).order_by(LoginSession.id.desc()).first()
    make.db.execute(
        update(LoginSession)
        .where(LoginSession.id == newest.id)
        .values(created_at=utcnow() - timedelta(hours=13))  # past the 12-hour lifetime
    )
    make.db.commit()
    audit_rows = make.db.query(AuditEvent).count()

    result = app.test_cli_runner().invoke(args=["lms", "prune"])
    assert result.exit_code == 0, result.output
    assert "Ended sign-ins: 2 removed." in result.output
    assert make.db.query(LoginSession).count() == 1
    assert make.db.query(AuditEvent).count() == audit_rows  # the sign-ins stay on record

    assert client.get("/training/account").status_code == 200  # the live sign-in
    for cookie in (old_cookie, stale_cookie):
        replay = app.test_client()
        replay.set_cookie("session", cookie)
        response = replay.get("/training/account")
        assert response.status_code == 302
        assert "/training/sign-in" in response.headers["Location"]
