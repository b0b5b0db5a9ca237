"""``flask lms import``: the preview printed, problems fail, --dry-run writes nothing."""

from sqlalchemy import func, select

from lms.models import Person, Role
from tests.imports.conftest import csv_bytes

HEADER = "Employee #,Name,E-mail,Organization"


def count(make) -> int:
    return make.db.scalar(select(func.count()).select_from(Person))


def test_dry_run_then_apply_then_nothing_to_do(runner, make, department, tmp_path):
    path = tmp_path / "hr.csv"
    path.write_bytes(csv_bytes(HEADER, "1,Dana Rivera,dana@example.org,mpd"))
    dry = runner.invoke(args=["lms", "import", "people", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "1 created, 0 updated, 0 unchanged, 0 deactivated." in dry.output
    assert "Dry run: nothing was written." in dry.output
    assert count(make) == 0
    applied = runner.invoke(args=["lms", "import", "people", str(path)])
    assert "Applied: 1 created" in applied.output and count(make) == 1
    again = runner.invoke(args=["lms", "import", "people", str(path)])
    assert "Applied: 0 created, 0 updated, 1 unchanged" in again.output


def test_problems_are_printed_with_line_and_column_and_exit_non_zero(
    runner, make, department, tmp_path
):
    path = tmp_path / "hr.csv"
    path.write_bytes(
        csv_bytes(HEADER, "1,Dana Rivera,not-an-email,mpd", "2,Sam Okafor,sam@example.org,mpd")
    )
    result = runner.invoke(args=["lms", "import", "people", str(path)])
    assert result.exit_code != 0
    assert "Line 2, column “E-mail”: “not-an-email” is not a valid email" in result.output
    assert "1 problem; nothing was imported." in result.output
    assert count(make) == 0


def test_deactivate_missing_needs_an_organization_and_deactivates_with_a_reason(
    runner, make, department, tmp_path
):
    leaver = make.person(organization=department, name="Left Already", email="left@example.org")
    path = tmp_path / "hr.csv"
    path.write_bytes(csv_bytes(HEADER, "1,Dana Rivera,dana@example.org,mpd"))
    refused = runner.invoke(args=["lms", "import", "people", str(path), "--deactivate-missing"])
    assert "--deactivate-missing needs --organization SLUG" in refused.output
    result = runner.invoke(
        args=["lms", "import", "people", str(path), "--deactivate-missing", "--organization", "mpd"]
    )
    assert "to deactivate: Left Already" in result.output
    make.db.refresh(leaver)
    assert leaver.active is False


def test_a_role_for_everyone_in_the_file(runner, make, department, tmp_path):
    path = tmp_path / "hr.csv"
    path.write_bytes(csv_bytes(HEADER, "1,Dana Rivera,dana@example.org,mpd"))
    applied = runner.invoke(args=["lms", "import", "people", str(path), "--role", "officer"])
    assert (
        "Applied: 1 created, 0 updated, 0 unchanged, 0 deactivated, 1 given the Officer role."
        in (applied.output)
    )
    [dana] = make.db.scalars(select(Person).where(Person.employee_number == "1")).all()
    assert [(g.role, g.organization_id) for g in dana.roles] == [(Role.OFFICER, department.id)]
    refused = runner.invoke(args=["lms", "import", "people", str(path), "--role", "admin"])
    assert refused.exit_code != 0 and "'admin' is not 'officer'" in refused.output
