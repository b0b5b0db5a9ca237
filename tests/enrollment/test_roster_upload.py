"""Roster CSV uploads: everyone enrolled, or nothing and every bad line listed."""

import io

from lms.enrollment.roster_csv import line_words, parse_roster
from lms.models import AuditEvent, Enrollment, EnrollmentSource, EnrollmentStatus, Person, Role

from .helpers import audit_actions, flash_text


def upload(client, group, session, content: bytes, filename="roster.csv"):
    page = f"/training/groups/{group.id}/sessions/{session.id}"
    return client.submit(
        page,
        {"roster": (io.BytesIO(content), filename)},
        action=f"{page}/roster",
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def nothing_imported(make, people_before=1):
    make.db.expire_all()
    assert make.db.query(Enrollment).count() == 0
    assert make.db.query(Person).count() == people_before
    assert make.db.query(AuditEvent).filter(AuditEvent.action != "auth.sign_in").count() == 0


def test_uploaded_roster_enrolls_everyone_named(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=10)
    sign_in(school_coordinator)
    roster = (
        "Full Name,E-mail,Phone,Role\r\n"
        "Avery Lee,avery@bigsky.test,406-555-0101,Teacher\r\n"
        '"O\'Brien, Pat",PAT@BIGSKY.TEST,,Custodian\r\n'
        "\r\n"
        "José Núñez,jose@bigsky.test,,\r\n"
    ).encode()
    text = flash_text(upload(client, school, session, roster))
    assert "3 people of Big Sky High School are enrolled." in text
    for name in ("Avery Lee", "O'Brien, Pat", "José Núñez"):
        assert name in text

    people = {p.email: p for p in make.db.query(Person).filter_by(organization_id=school.id)}
    assert set(people) == {
        school_coordinator.email,
        "avery@bigsky.test",
        "pat@bigsky.test",
        "jose@bigsky.test",
    }
    assert people["avery@bigsky.test"].job_title == "Teacher"
    assert people["avery@bigsky.test"].phone == "406-555-0101"
    assert all(p.password_hash is None for e, p in people.items() if e != school_coordinator.email)
    enrollments = make.db.query(Enrollment).all()
    assert {e.status for e in enrollments} == {EnrollmentStatus.ENROLLED}
    assert {e.source for e in enrollments} == {EnrollmentSource.GROUP}
    [event] = audit_actions(make.db, "group.roster_imported")
    assert event.details["people"] == 3 and event.details["file"] == "roster.csv"
    assert len(audit_actions(make.db, "enrollment.created")) == 3


def test_a_name_no_certificate_can_print_is_enrolled_with_a_warning(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=10)
    sign_in(school_coordinator)
    roster = "Name,Email\r\nAvery Lee \U0001f693,avery@bigsky.test\r\nنجيب محفوظ,n@bigsky.test\r\n"
    text = flash_text(upload(client, school, session, roster.encode()))
    assert "2 people of Big Sky High School are enrolled." in text
    assert "“Avery Lee \U0001f693” has characters no certificate can print" in text
    assert "U+1F693 POLICE CAR" in text
    assert "محفوظ” has characters" not in text  # Arabic prints


def test_a_bad_roster_lists_every_bad_line_and_imports_nothing(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=10)
    sign_in(school_coordinator)
    roster = (
        b"name,email,phone,role\n"
        b"Avery Lee,avery@bigsky.test,,Teacher\n"  # line 2: fine
        b"Bad Mail,not-an-email,,\n"  # line 3
        b",empty@bigsky.test,,\n"  # line 4
        b"Avery Again,AVERY@bigsky.test,,\n"  # line 5: duplicate of line 2
        b"Phone Person,phone@bigsky.test,call me maybe,\n"  # line 6
        b"Too,many@bigsky.test,,,extra\n"  # line 7
    )
    response = upload(client, school, session, roster)
    assert response.status_code == 400
    text = flash_text(response)
    assert "Nothing was imported. 5 lines of the file have problems." in text
    assert "Line 3: “not-an-email” is not a valid email" in text
    assert "Line 4: the name is empty." in text
    assert "Line 5: avery@bigsky.test is listed twice (also on line 2)." in text
    assert "Line 6: “call me maybe” is not a phone number." in text
    assert "Line 7: 5 values but the header names 4 columns." in text
    assert "Line 2" not in text
    nothing_imported(make)


UNREADABLE_ROSTERS = [
    (
        b"mail,name\nA,a@b.test\n",
        "Line 1: the header must name the columns name, email and optionally phone and role "
        "(missing email; unknown 'mail').",
    ),
    (
        "name,email\nAvery,avery@bigsky.test\nJos\u00e9,jose@bigsky.test\n".encode("latin-1"),
        "The file is not UTF-8 text (line 3).",
    ),
    (b"", "The file is empty."),
    (b"name,email\n\n", "The file names no one"),
]


def test_rosters_that_cannot_be_read_say_why(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=10)
    sign_in(school_coordinator)
    for content, message in UNREADABLE_ROSTERS:
        response = upload(client, school, session, content)
        assert response.status_code == 400, message
        assert message in flash_text(response)
    nothing_imported(make)


def test_a_roster_larger_than_the_seats_left_says_so_once(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=3)
    make.enrollment(session, make.person(Role.PARTICIPANT, organization=make.group()))
    sign_in(school_coordinator)
    lines = [f"Person {i},p{i}@bigsky.test" for i in range(1, 5)]
    response = upload(client, school, session, ("name,email\n" + "\n".join(lines)).encode())
    assert response.status_code == 400
    text = flash_text(response)
    assert (
        "Nothing was imported. 4 people, 2 seats left for your group: choose another session "
        "or ask the training coordinator." in text
    )
    assert "Line " not in text
    make.db.expire_all()
    assert make.db.query(Enrollment).count() == 1
    assert make.db.query(Person).filter_by(organization_id=school.id).count() == 1


def test_the_group_cap_bounds_a_roster_and_people_already_placed_are_named(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=20, group_seat_cap=2)
    placed = make.person(Role.PARTICIPANT, organization=school, email="placed@bigsky.test")
    make.enrollment(session, placed, status=EnrollmentStatus.WAITLISTED)
    sign_in(school_coordinator)
    roster = (
        b"name,email\nA,a@bigsky.test\nPlaced,placed@bigsky.test\nB,b@bigsky.test\n"
        b"C,c@bigsky.test\n"
    )
    text = flash_text(upload(client, school, session, roster))
    assert "3 people, 2 seats left for your group (cap 2)" in text
    assert f"Line 3: {placed.full_name} already holds a place in this session (waitlisted)." in text
    make.db.expire_all()
    assert make.db.query(Enrollment).count() == 1


def test_a_long_refused_roster_says_what_is_wrong_once_then_a_few_lines(
    client, make, sign_in, crase, school, school_coordinator
):
    session = make.session(crase, capacity=40, group_seat_cap=10)
    for _ in range(5):
        make.enrollment(session, make.person(Role.PARTICIPANT, organization=school))
    sign_in(school_coordinator)
    people = [f"Person {i},p{i}@bigsky.test" for i in range(30)]  # lines 2-31
    nameless = [f",nameless{i}@bigsky.test" for i in range(3)]  # lines 32-34
    bad_mail = [f"Mailless {i},mailless{i}" for i in range(6)]  # lines 35-40
    roster = "\n".join(["name,email", *people, *nameless, *bad_mail]).encode()
    response = upload(client, school, session, roster)
    assert response.status_code == 400
    text = flash_text(response)
    reason = (
        "30 people, 5 seats left for your group (cap 10): choose another session or ask the "
        "training coordinator."
    )
    assert text.count(reason) == 1
    assert text.count("the name is empty") == 1
    assert "Lines 32–34: the name is empty." in text
    for line in (35, 36, 37, 38):
        assert f"Line {line}: “mailless" in text
    for line in (39, 40):
        assert f"Line {line}:" not in text
    assert "…and 2 more lines." in text
    make.db.expire_all()
    assert make.db.query(Enrollment).count() == 5
    assert make.db.query(Person).filter_by(organization_id=school.id).count() == 6


def test_line_numbers_are_said_as_runs():
    assert line_words((3,)) == "Line 3"
    assert line_words((3, 4, 5)) == "Lines 3–5"
    assert line_words((9, 3, 4, 5, 12)) == "Lines 3–5, 9 and 12"


def test_parser_numbers_lines_as_a_spreadsheet_does():
    data = (
        "\ufeffname,email\n"
        '"Multi\nLine",one@x.test\n'  # a quoted newline: record starts on line 2
        "\n"
        ",two@x.test\n"  # line 5
    ).encode()
    rows, problems = parse_roster(data)
    assert [(r.line, r.full_name) for r in rows] == [(2, "Multi Line")]
    assert [str(p) for p in problems] == ["Line 5: the name is empty."]


def test_parser_reports_a_roster_over_the_row_limit():
    data = ("name,email\n" + "".join(f"P{i},p{i}@x.test\n" for i in range(6))).encode()
    rows, problems = parse_roster(data, max_rows=5)
    assert [str(p) for p in problems] == ["The file names 6 people; the most is 5."]


def test_the_roster_template_has_the_header_the_upload_reads(client):
    response = client.get("/training/groups/roster-template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    template = response.get_data()
    assert template.decode("utf-8-sig") == "name,email,phone,role\r\n"
    # Empty, it names no one (no example person to enroll by mistake); filled in, it reads.
    assert [str(p) for p in parse_roster(template)[1]] == [
        "The file names no one: add a line per person."
    ]
    rows, problems = parse_roster(template + b"Avery Lee,avery@bigsky.test,,Teacher\r\n")
    assert problems == [] and [(r.full_name, r.email) for r in rows] == [
        ("Avery Lee", "avery@bigsky.test")
    ]
