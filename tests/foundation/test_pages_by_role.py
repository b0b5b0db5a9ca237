"""Each role's dashboard shows what the database holds for that person."""

from lms.models import EnrollmentStatus, Role


def test_group_coordinator_sees_only_their_group(client, make, sign_in):
    school = make.group("Big Sky High School")
    church = make.group("Grace Community Church")
    coordinator = make.person(Role.GROUP_COORDINATOR, organization=school, name="Janet Brooks")
    make.person(Role.PARTICIPANT, organization=school, name="Alice Gaines", email=None)
    make.person(Role.PARTICIPANT, organization=church, name="Helen Marsh", email=None)
    sign_in(coordinator)
    page = client.get("/training/").get_data(as_text=True)
    assert "Big Sky High School: your group" in page
    assert "Alice Gaines" in page and "No login" in page
    assert "Helen Marsh" not in page


def test_instructor_sees_sessions_they_teach(client, make, sign_in):
    instructor = make.person(Role.INSTRUCTOR, Role.OFFICER, name="Sgt. Erin Hayes")
    course = make.course("ALERRT-REFRESH", title="ALERRT Refresher")
    make.session(course, lead=instructor)
    sign_in(instructor)
    page = client.get("/training/").get_data(as_text=True)
    assert "Sessions you teach" in page and "ALERRT Refresher" in page


def test_coordinator_sees_the_schedule_with_fill(client, make, sign_in):
    coordinator = make.person(Role.COORDINATOR, scope=None)
    session = make.session(make.course(title="CRASE evening class"), capacity=4)
    make.enrollment(session, make.person(Role.OFFICER))
    make.enrollment(session, make.person(Role.OFFICER), status=EnrollmentStatus.WAITLISTED)
    sign_in(coordinator)
    page = client.get("/training/").get_data(as_text=True)
    assert "Coming schedule" in page
    assert "1 / 4" in page
    assert "Organizations" in page


def test_officer_sees_own_waitlist_position(client, make, sign_in):
    session = make.session(capacity=1)
    make.enrollment(session, make.person(Role.OFFICER))
    make.enrollment(session, make.person(Role.OFFICER), status=EnrollmentStatus.WAITLISTED)
    me = make.person(Role.OFFICER)
    make.enrollment(session, me, status=EnrollmentStatus.WAITLISTED)
    sign_in(me)
    page = client.get("/training/").get_data(as_text=True)
    assert "#2 on the waitlist" in page


def test_the_front_page_shows_visitors_the_public_classes_not_a_sign_in_form(client):
    response = client.get("/training/")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<h1>Classes open to the public</h1>" in body
    assert 'href="/training/sign-in"' in body and 'type="password"' not in body


def test_cookies_are_httponly_and_samesite_lax(client, make, sign_in):
    officer = make.person(Role.OFFICER, password=make.PASSWORD)
    response = client.submit(
        "/training/sign-in", {"email": officer.email, "password": make.PASSWORD}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_secure_cookies_when_configured(database_url, tmp_path):
    from lms.app import create_app
    from tests.conftest import FAST_HASHING

    app = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LMS_SECURE_COOKIES": True,
            **FAST_HASHING,
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_pages_carry_security_headers_and_no_external_assets(client):
    response = client.get("/training/sign-in")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    body = response.get_data(as_text=True)
    assert "http://" not in body and "https://" not in body
