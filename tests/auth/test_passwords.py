"""Password rules and hashing, and what a password change does to other sign-ins."""

import pytest

from lms.app import create_app
from lms.auth.passwords import hash_password, password_problems, verify_password
from lms.models import LoginSession, Role


def test_production_hashing_is_argon2id_at_rfc9106_cost(tmp_path):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"})
    with app.app_context():
        hashed = hash_password("Some-Long-Passphrase-99")
        assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert verify_password(hashed, "Some-Long-Passphrase-99") == (True, None)
        assert verify_password(hashed, "wrong")[0] is False


@pytest.mark.parametrize(
    "password, message",
    [
        ("short", "at least 12 characters"),
        ("password1234", "common"),
        ("qwertyuiop123", ""),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(app, password, message):
    problems = password_problems(password)
    assert problems, password
    assert message.lower() in " ".join(problems).lower()


def test_a_password_made_of_the_persons_name_is_refused(app):
    assert password_problems("sofiarivera2026", ["Sofia Rivera"])


def test_a_strong_passphrase_is_accepted(app):
    assert password_problems("Avoid-Deny-Defend-Lockdown-7") == []


def test_changing_password_ends_other_sign_ins(app, client, make, sign_in):
    officer = make.person(Role.OFFICER)
    sign_in(officer)
    other_browser = app.test_client()
    other_browser.set_cookie("session", client.get_cookie("session").value)
    assert other_browser.get("/training/account").status_code == 200

    response = client.submit(
        "/training/account",
        {
            "current_password": make.PASSWORD,
            "new_password": "Avoid-Deny-Defend-Lockdown-7",
            "confirm": "Avoid-Deny-Defend-Lockdown-7",
        },
        follow_redirects=True,
    )
    assert "Your password is changed" in response.get_data(as_text=True)
    assert client.get("/training/account").status_code == 200  # this browser stays in
    assert other_browser.get("/training/account").status_code == 302  # the other is out
    live = make.db.query(LoginSession).filter_by(person_id=officer.id, revoked_at=None).count()
    assert live == 1


def test_password_change_form_shows_errors_on_fields(client, make, sign_in):
    officer = make.person(Role.OFFICER)
    sign_in(officer)
    page = client.submit(
        "/training/account",
        {"current_password": "wrong", "new_password": "short", "confirm": "short"},
    ).get_data(as_text=True)
    assert "The current password is not correct." in page
    old_hash = officer.password_hash
    make.db.refresh(officer)
    assert officer.password_hash == old_hash
    page = client.submit(
        "/training/account",
        {
            "current_password": make.PASSWORD,
            "new_password": "password1234",
            "confirm": "password1234",
        },
    ).get_data(as_text=True)
    assert 'aria-invalid="true"' in page
