"""Signing in and out, as a person at the sign-in page sees it."""

from lms.models import AuditEvent, LoginSession, Role

GENERIC = "That email and password do not match an active account."


def test_officer_signs_in_and_sees_their_dashboard(client, make, sign_in):
    officer = make.person(Role.OFFICER, name="Ofc. Sofia Rivera")
    sign_in(officer)
    page = client.get("/training/").get_data(as_text=True)
    assert "Welcome, Ofc. Sofia Rivera" in page
    assert "Sign out" in page


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    wrong = client.submit(
        "/training/sign-in", {"email": officer.email, "password": "nope-nope-nope"}
    )
    unknown = client.submit(
        "/training/sign-in", {"email": "nobody@example.test", "password": "nope-nope-nope"}
    )
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert GENERIC in response.get_data(as_text=True)
    assert "nobody@example.test" not in unknown.get_data(as_text=True).replace(
        'value="nobody@example.test"', ""
    )


def test_deactivated_account_cannot_sign_in(client, make):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    officer.active = False
    make.db.commit()
    response = client.submit(
        "/training/sign-in", {"email": officer.email, "password": make.PASSWORD}
    )
    assert GENERIC in response.get_data(as_text=True)


def test_email_is_matched_case_insensitively(client, make):
    officer = make.person(Role.OFFICER, email="erin.hayes@example.test", password=make.PASSWORD)
    response = client.submit(
        "/training/sign-in", {"email": "Erin.Hayes@Example.TEST ", "password": make.PASSWORD}
    )
    assert response.status_code == 302
    make.db.refresh(officer)
    assert officer.last_sign_in_at is not None


def test_sign_in_without_csrf_token_is_refused(client, make):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    response = client.post(
        "/training/sign-in", data={"email": officer.email, "password": make.PASSWORD}
    )
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_sign_out_kills_the_old_cookie_even_if_replayed(app, client, make, sign_in):
    officer = make.person(Role.OFFICER)
    sign_in(officer)
    cookie = client.get_cookie("session").value
    assert client.get("/training/account").status_code == 200
    token = client.csrf_token("/training/")
    assert client.post("/training/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/training/account").status_code == 302  # signed out

    replay = app.test_client()
    replay.set_cookie("session", cookie)
    response = replay.get("/training/account")
    assert response.status_code == 302
    assert "/training/sign-in" in response.headers["Location"]


def test_sign_in_and_out_are_audited_and_sessions_stored_hashed(client, make, sign_in):
    officer = make.person(Role.OFFICER)
    sign_in(officer)
    rows = make.db.query(LoginSession).filter_by(person_id=officer.id).all()
    assert len(rows) == 1
    cookie = client.get_cookie("session").value
    assert rows[0].token_hash not in cookie
    actions = [e.action for e in make.db.query(AuditEvent).order_by(AuditEvent.id)]
    assert "auth.sign_in" in actions


def test_next_parameter_only_redirects_within_the_site(client, make):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    data = {"email": officer.email, "password": make.PASSWORD}
    evil = client.submit(
        "/training/sign-in?next=https://evil.example/",
        data,
        action="/training/sign-in?next=https://evil.example/",
    )
    assert evil.headers["Location"].endswith("/training/")


def test_a_page_that_needs_a_sign_in_comes_back_after_it_with_its_query(client, make):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    page = "/training/status/?track=ALERRT&q=Jos%C3%A9+N%C3%BA%C3%B1ez"
    answer = client.get(page)
    assert answer.status_code == 302
    sign_in_page = answer.headers["Location"]
    assert sign_in_page.startswith("/training/sign-in?next=")
    shown = client.get(sign_in_page)
    assert "Please sign in to see that page." in shown.get_data(as_text=True)

    signed = client.submit(sign_in_page, {"email": officer.email, "password": make.PASSWORD})
    assert signed.headers["Location"] == page


def test_a_query_of_megabytes_is_left_out_of_the_way_back(client, make):
    """A link to sign in that carried it would be a header no browser or proxy takes."""
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    answer = client.get("/training/status/", query_string={"q": "A" * 1_000_000})
    assert answer.status_code == 302
    assert len(answer.headers["Location"]) < 200
    signed = client.submit(
        answer.headers["Location"], {"email": officer.email, "password": make.PASSWORD}
    )
    assert signed.headers["Location"] == "/training/status/"


def test_password_guessing_is_slowed_per_account(client, make):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    for _ in range(10):
        response = client.submit(
            "/training/sign-in", {"email": officer.email, "password": "guess-guess"}
        )
        assert response.status_code == 200
    blocked = client.submit(
        "/training/sign-in", {"email": officer.email, "password": make.PASSWORD}
    )
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
    other = make.person(Role.OFFICER, password=make.PASSWORD)
    allowed = client.submit("/training/sign-in", {"email": other.email, "password": make.PASSWORD})
    assert allowed.status_code == 302


def test_password_guessing_across_accounts_is_slowed_per_address(app, client, make):
    """One address may not try a password or two on every account: failures count per address."""
    victims = [make.person(Role.OFFICER, password=make.PASSWORD) for _ in range(3)]
    emails = [v.email for v in victims] + [f"guess{i}@example.test" for i in range(17)]
    for email in emails:  # 20 failures, no account tried more than once
        response = client.submit("/training/sign-in", {"email": email, "password": "guess-guess"})
        assert response.status_code == 200
    blocked = client.submit(
        "/training/sign-in", {"email": victims[0].email, "password": make.PASSWORD}
    )
    assert blocked.status_code == 429
    assert "Too many failed sign-ins from your address" in blocked.get_data(as_text=True)
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60

    elsewhere = app.test_client()
    allowed = elsewhere.submit(
        "/training/sign-in",
        {"email": victims[0].email, "password": make.PASSWORD},
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert allowed.status_code == 302


def test_the_per_account_limit_says_when_to_come_back(client, make):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    for _ in range(10):
        client.submit("/training/sign-in", {"email": officer.email, "password": "guess-guess"})
    blocked = client.submit(
        "/training/sign-in", {"email": officer.email, "password": make.PASSWORD}
    )
    assert blocked.status_code == 429
    assert 1 <= int(blocked.headers["Retry-After"]) <= 60
