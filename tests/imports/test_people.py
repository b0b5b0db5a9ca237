"""Importing people from an HR export: preview, apply all or nothing, and again changes nothing."""

from sqlalchemy import func, select

from lms.audit_trail.actions import describe
from lms.audit_trail.words import Names
from lms.models import AuditEvent, Person, Role, RoleAssignment
from tests.imports.conftest import INDEX, apply, csv_bytes, hidden, text, upload

HEADER = "Employee #,First name,Last name,E-mail,Badge #,Rank/Title,Unit,Organization"
ROWS = (
    "10442,Dana,Rivera,Dana.Rivera@Example.org,2291,Officer,Patrol,mpd",
    "10443,Sam,Okafor,sam.okafor@example.org,2292,Sergeant,SRO,Missoula Police Department",
)


def people(db) -> list[tuple]:
    return list(
        db.execute(
            select(Person.employee_number, Person.full_name, Person.email, Person.job_title)
            .where(Person.employee_number.is_not(None))
            .order_by(Person.employee_number)
        )
    )


def test_import_creates_then_a_second_import_changes_nothing(
    client, sign_in, admin, department, make
):
    sign_in(admin)
    data = csv_bytes(HEADER, *ROWS)
    preview = upload(client, "people", data)
    assert preview.status_code == 200, text(preview)
    assert "2 to create, 0 to update, 0 unchanged" in text(preview)
    assert people(make.db) == []  # a preview writes nothing

    applied = apply(client, "people", preview.get_data(as_text=True))
    assert applied.status_code == 302
    assert people(make.db) == [
        ("10442", "Dana Rivera", "dana.rivera@example.org", "Officer"),
        ("10443", "Sam Okafor", "sam.okafor@example.org", "Sergeant"),
    ]
    event = make.db.scalar(select(AuditEvent).where(AuditEvent.action == "import.people"))
    assert event.details["created"] == 2 and event.details["file"] == "export.csv"
    assert len(event.details["sha256"]) == 64

    again = upload(client, "people", data)
    assert "0 to create, 0 to update, 2 unchanged" in text(again)
    before = people(make.db)
    apply(client, "people", again.get_data(as_text=True))
    assert people(make.db) == before
    assert make.db.scalar(select(func.count()).select_from(Person)) == 3


def test_updates_are_shown_field_by_field_and_matched_by_email_without_number(
    client, sign_in, admin, department, make
):
    make.person(
        Role.OFFICER, organization=department, name="Dana Rivera", email="dana.rivera@example.org",
        employee_number="10442", job_title="Officer",
    )  # fmt: skip
    make.person(organization=department, name="Sam Okafor", email="sam.okafor@example.org")
    sign_in(admin)
    data = csv_bytes(
        HEADER,
        "10442,Dana,Rivera,dana.rivera@example.org,2291,Corporal,Patrol,mpd",
        "10443,Sam,Okafor,SAM.OKAFOR@example.org,,,,mpd",
    )
    preview = upload(client, "people", data)
    page = text(preview)
    assert "0 to create, 2 to update, 0 unchanged" in page
    assert "Rank or title Officer Corporal" in page
    assert "Employee number — 10443" in page  # matched by email, case-insensitive
    apply(client, "people", preview.get_data(as_text=True))
    assert ("10442", "Dana Rivera", "dana.rivera@example.org", "Corporal") in people(make.db)
    assert ("10443", "Sam Okafor", "sam.okafor@example.org", None) in people(make.db)


def test_every_problem_is_listed_by_line_and_column_and_nothing_is_applied(
    client, sign_in, admin, department, make
):
    make.person(
        organization=department, name="Ann One", email="ann@example.org", employee_number="1"
    )
    make.person(organization=department, name="Bo Two", email="bo@example.org", employee_number="2")
    sign_in(admin)
    data = csv_bytes(
        HEADER,
        "20001,Good,Person,good@example.org,,,,mpd",
        "20002,Bad,Email,not-an-email,,,,mpd",
        "20003,Dup,One,dup@example.org,,,,mpd",
        "20003,Dup,Two,dup2@example.org,,,,mpd",
        "1,Ann,One,bo@example.org,,,,mpd",
        "20005,Unknown,Org,unknown@example.org,,,,Nowhere PD",
        "20006,Evil\u202eName,X,evil@example.org,,,,mpd",
        "20007,Ctl,Char,ctl@example.org,,Off\x07icer,,mpd",
    )
    preview = upload(client, "people", data)
    assert preview.status_code == 422
    page = text(preview)
    assert "nothing will be imported" in page
    assert "3 E-mail “not-an-email” is not a valid email" in page
    assert "5 Employee # 20003 is also on line 4" in page
    assert "6 matched twice: employee number 1 is Ann One, but bo@example.org is Bo Two" in page
    assert "7 Organization no organization you coordinate is called “Nowhere PD”" in page
    assert "8 First name Remove the invisible character U+202E" in page
    assert "9 Rank/Title Remove the control character U+0007" in page
    assert "Apply this import" not in page
    # Even a forged apply of a file with problems writes nothing.
    forged = apply(client, "people", preview.get_data(as_text=True))
    assert forged.status_code == 422
    assert make.db.scalar(select(func.count()).select_from(Person)) == 3


def test_files_that_cannot_be_read_say_why(client, sign_in, admin, department):
    sign_in(admin)
    not_xlsx = upload(client, "people", b"Name,Email\r\nA,a@x.org\r\n", filename="staff.xlsx")
    assert "named like an Excel workbook (.xlsx) but is not one" in text(not_xlsx)
    binary = upload(client, "people", b"\x00\x01\x02garbage", filename="staff.bin")
    assert "not a CSV or XLSX file" in text(binary)
    windows = upload(
        client,
        "people",
        csv_bytes(
            "Employee #,Name,E-mail,Organization",
            "9,José Núñez,jn@example.org,mpd",
            encoding="cp1252",
        ),
    )
    assert windows.status_code == 200
    assert "read as Windows-1252 (cp1252), as it is not UTF-8" in text(windows)
    assert "José Núñez" in text(windows)
    neither = upload(client, "people", b"Name,Email\r\nA\x81\x8d,a@x.org\r\n")
    assert "neither UTF-8 (byte 0x81 at line 2) nor Windows-1252" in text(neither)


def test_unknown_columns_are_mapped_by_the_user(client, sign_in, admin, department, make):
    sign_in(admin)
    data = csv_bytes("Dienstnummer,Name,E-mail,Schicht", "77,Lena Vogt,lena@example.org,Nacht")
    preview = upload(client, "people", data, organization=str(department.id))
    page = text(preview)
    assert "1 Dienstnummer this column is not recognized" in page
    assert "Apply this import" not in page
    mapped = client.submit(
        INDEX,
        {
            **_hidden(preview),
            "map-0": "employee_number",
            "map-3": "ignore",
            "organization": str(department.id),
        },
        action="/training/imports/people/preview",
    )
    assert mapped.status_code == 200, text(mapped)
    assert "1 to create" in text(mapped)
    apply(client, "people", mapped.get_data(as_text=True), organization=str(department.id))
    assert people(make.db) == [("77", "Lena Vogt", "lena@example.org", None)]


def _hidden(response):
    return hidden(response.get_data(as_text=True))


def roles(db) -> list[tuple]:
    return list(
        db.execute(
            select(Person.full_name, RoleAssignment.role, RoleAssignment.organization_id)
            .join(RoleAssignment, RoleAssignment.person_id == Person.id)
            .where(Person.employee_number.is_not(None))
            .order_by(Person.full_name)
        )
    )


def test_the_role_chosen_is_given_to_everyone_in_the_file_who_lacks_it(
    client, sign_in, admin, department, make
):
    sign_in(admin)
    data = csv_bytes(HEADER, *ROWS)
    apply(client, "people", upload(client, "people", data).get_data(as_text=True))
    assert roles(make.db) == []  # no role asked for: none given

    data = csv_bytes(HEADER, *ROWS, "10444,Lee,Tran,lee.tran@example.org,2293,Officer,SRO,mpd")
    preview = upload(client, "people", data, role="officer")
    assert "1 to create, 0 to update, 2 unchanged; 3 to be given the Officer role." in text(preview)
    applied = apply(client, "people", preview.get_data(as_text=True), role="officer")
    assert applied.status_code == 302
    officer = Role.OFFICER
    assert roles(make.db) == [
        ("Dana Rivera", officer, department.id),
        ("Lee Tran", officer, department.id),
        ("Sam Okafor", officer, department.id),
    ]
    event = make.db.scalars(
        select(AuditEvent).where(AuditEvent.action == "import.people").order_by(AuditEvent.id)
    ).all()[-1]
    sentence = describe(event, Names()).sentence
    assert sentence.endswith("(1 created, 2 unchanged, 3 given the Officer role)")

    again = upload(client, "people", data, role="officer")
    assert "0 to create, 0 to update, 3 unchanged; 0 to be given the Officer role." in text(again)

    refused = upload(client, "people", data, role="admin")  # not a role an import gives
    assert refused.status_code == 400
    assert "Not a valid choice" in text(refused)
