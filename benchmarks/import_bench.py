"""How long importing a department's people and training history takes.

Generates an HR export of 10,000 people (CSV) and a training history of 100,000
past records for them (ten ALERRT refreshers each, a year apart), then times,
through the same functions the import pages and ``flask lms import`` run:

- people: the preview (read, validate, match) and the apply (bulk insert, commit),
  then the same file again (everything unchanged): each at most 10 s;
- records: preview plus apply (records, IMPORTED cycles planned by the status
  rules, commit): at most 60 s.

With ``--earned-here`` every person also holds a cycle earned in this LMS (a
refresher completed) after their imported history, as when a department
imports its old records after a while of using the LMS: every such chain is
planned again, and the cycles whose dates move are revoked and replaced.

Usage::

    .venv/bin/python benchmarks/import_bench.py                  # SQLite, temporary file
    .venv/bin/python benchmarks/import_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/lms_bench --reset

``--reset`` drops the LMS tables of that database first (never anything else).
Exit status 1 when a budget is missed. Wall clock (the work is one process).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from status_bench import prepare  # noqa: E402

from lms.app import create_app, db  # noqa: E402
from lms.dates import add_months  # noqa: E402
from lms.imports import operations, people, records  # noqa: E402
from lms.imports.uploads import StoredUpload  # noqa: E402
from lms.models import (  # noqa: E402
    AgencyType,
    Audience,
    Certification,
    CertificationSource,
    CertificationTrack,
    Completion,
    Course,
    CourseSession,
    Enrollment,
    EnrollmentSource,
    EnrollmentStatus,
    Organization,
    OrganizationKind,
    Person,
)


def seed_program() -> None:
    department = Organization(
        name="Missoula Police Department", slug="mpd", kind=OrganizationKind.DEPARTMENT,
        agency_type=AgencyType.POLICE,
    )  # fmt: skip
    track = CertificationTrack(code="ALERRT", name="ALERRT", validity_months=12)
    course = Course(
        code="ALERRT-REFRESH", title="ALERRT refresher", organization=department,
        audience=Audience.OFFICERS, grants_track=track,
    )  # fmt: skip
    db.session.add_all([department, track, course])
    db.session.commit()


def people_file(count: int) -> bytes:
    lines = ["Employee #,First name,Last name,E-mail,Badge #,Rank/Title,Unit,Organization"]
    lines += [
        f"E{n:06d},Officer{n},Lastname{n},officer{n}@example.org,{n},Officer,Patrol {n % 7},mpd"
        for n in range(count)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def records_file(people_count: int, per_person: int) -> bytes:
    lines = ["Employee #,Course code,Completed on,Hours,Instructor,Certificate #,Source system"]
    for n in range(people_count):
        for k in range(per_person):
            day = history_day(n, k, per_person)
            lines.append(f"E{n:06d},ALERRT-REFRESH,{day.isoformat()},8,Sgt. Hayes,C{n}-{k},Old LMS")
    return ("\r\n".join(lines) + "\r\n").encode()


def history_day(n: int, k: int, per_person: int) -> date:
    """The day of person ``n``'s record ``k`` (of ``per_person``, one a year up to last year)."""
    return date(date.today().year - per_person + k, 1 + n % 12, 1 + n % 28)


def earn_here(per_person: int) -> int:
    """Give every person a refresher completed here after their history, and its cycle.

    It falls 11 months after their last imported record (inside that cycle's
    renewal window, so its dates move when the history comes in), or
    yesterday when that is still to come.
    """
    course = db.session.scalar(select(Course))
    track = course.grants_track
    session = CourseSession(
        course=course, organization=course.organization, timezone="America/Denver",
        location="Range", capacity=100_000,
    )  # fmt: skip
    db.session.add(session)
    db.session.flush()
    people = db.session.execute(
        select(Person.id, Person.organization_id, Person.employee_number).order_by(Person.id)
    ).all()
    yesterday = date.today() - timedelta(days=1)
    completed = {
        person_id: min(add_months(history_day(int(number[1:]), per_person - 1, per_person), 11),
                       yesterday)
        for person_id, _, number in people
    }  # fmt: skip
    db.session.execute(
        insert(Enrollment),
        [
            {"session_id": session.id, "person_id": person_id, "organization_id": org_id,
             "status": EnrollmentStatus.COMPLETED, "source": EnrollmentSource.SELF}
            for person_id, org_id, _ in people
        ],
    )  # fmt: skip
    enrollments = db.session.execute(
        select(Enrollment.id, Enrollment.person_id).where(Enrollment.session_id == session.id)
    ).all()
    db.session.execute(
        insert(Completion),
        [
            {"enrollment_id": ident, "person_id": person_id, "course_id": course.id,
             "session_id": session.id, "completed_on": completed[person_id],
             "credit_hours": 8, "rule_key": "attendance"}
            for ident, person_id in enrollments
        ],
    )  # fmt: skip
    completions = db.session.execute(select(Completion.id, Completion.person_id)).all()
    db.session.execute(
        insert(Certification),
        [
            {"person_id": person_id, "track_id": track.id, "cycle": 1,
             "granted_on": completed[person_id], "valid_from": completed[person_id],
             "expires_on": add_months(completed[person_id], track.validity_months),
             "source": CertificationSource.COMPLETION, "completion_id": ident}
            for ident, person_id in completions
        ],
    )  # fmt: skip
    db.session.commit()
    return len(completions)


def timed(label: str, work, budget: float, verdicts: list[bool]):
    begin, begin_cpu = time.perf_counter(), time.process_time()
    result = work()
    seconds, cpu = time.perf_counter() - begin, time.process_time() - begin_cpu
    verdicts.append(seconds <= budget)
    print(f"{label}: {seconds:.2f} s (budget {budget:.0f} s; this process's CPU {cpu:.2f} s)")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="drop the LMS tables there first")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--records-per-person", type=int, default=10)
    parser.add_argument(
        "--earned-here",
        action="store_true",
        help="everyone also holds a later cycle earned here, planned again by the import",
    )
    args = parser.parse_args(argv)
    workdir = tempfile.mkdtemp(prefix="lms-import-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    engine = prepare(url, args.reset)
    engine.dispose()
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "benchmark", "LMS_LOAD_PLUGINS": False,
         "LMS_KEY_DIR": workdir, "LMS_IMPORT_DIR": workdir}
    )  # fmt: skip
    verdicts: list[bool] = []
    with app.test_request_context():
        seed_program()
        data = people_file(args.people)
        upload = StoredUpload("bench", "people", "hr.csv", "0" * 64, None)

        def preview_people():
            return people.plan_people(data, "hr.csv", scope=None, default_organization=None)

        def apply(applier, plan):
            counts = applier(plan, upload, None)
            db.session.commit()
            return counts

        plan = timed(f"people preview ({args.people:,})", preview_people, 10, verdicts)
        counts = timed("people apply", lambda: apply(operations.apply_people, plan), 10, verdicts)
        assert counts["created"] == args.people, counts
        again = timed("people preview, same file again", preview_people, 10, verdicts)
        assert again.counts()["unchanged"] == args.people

        if args.earned_here:
            print(f"  {earn_here(args.records_per_person):,} cycles earned here")
        history = records_file(args.people, args.records_per_person)
        total = args.people * args.records_per_person

        def import_records():
            plan = records.plan_records(history, "history.csv", scope=None)
            assert plan.can_apply, plan.problems[:5]
            return apply(operations.apply_records, plan)

        counts = timed(f"records preview + apply ({total:,})", import_records, 60, verdicts)
        print(f"  {counts}")
    print(f"{engine.dialect.name}: {'PASS' if all(verdicts) else 'FAIL'}")
    return 0 if all(verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
