"""Auth operations leave the transaction to their caller, as every other feature's do."""

from flask_login import current_user

from lms.app import db
from lms.auth import operations
from lms.models import AuditEvent, LoginSession, Role


def test_signing_in_and_out_writes_nothing_until_the_caller_commits(app, make):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    with app.test_request_context("/training/sign-in", method="POST"):
        operations.start_login_session(officer)
        assert current_user.is_authenticated  # signed in for this request
        db.session.rollback()
    assert make.db.query(LoginSession).count() == 0
    assert make.db.query(AuditEvent).filter_by(action="auth.sign_in").count() == 0

    with app.test_request_context("/training/sign-in", method="POST"):
        operations.start_login_session(officer)
        db.session.commit()
        operations.end_login_session(officer)
        db.session.rollback()
    make.db.expire_all()
    assert make.db.query(LoginSession).one().revoked_at is None
    assert make.db.query(AuditEvent).filter_by(action="auth.sign_out").count() == 0


def test_changing_a_password_writes_nothing_until_the_caller_commits(app, make):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    old_hash = officer.password_hash
    with app.test_request_context("/training/account", method="POST"):
        operations.change_password(officer, make.PASSWORD, "Avoid-Deny-Defend-Lockdown-9")
        db.session.rollback()
    make.db.expire_all()
    assert officer.password_hash == old_hash
    assert make.db.query(LoginSession).count() == 0
    assert make.db.query(AuditEvent).filter_by(action="auth.password_changed").count() == 0
