"""How long importing a department's people and training history takes.

Generates an HR export of 10,000 people (CSV) and a training history of 100,000
past records for them (ten ALERRT refreshers each, a year apart), then times,
through the same functions the import pages and ``flask lms import`` run:

- people: the preview (read, validate, match) and the apply (bulk insert, commit),
  then the same file again (everything unchanged): each at most 10 s;
- records: preview plus apply (records, IMPORTED cycles planned by the status
  rules, commit): at most 60 s.

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
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from status_bench import prepare  # noqa: E402

from lms.app import create_app, db  # noqa: E402
from lms.imports import operations, people, records  # noqa: E402
from lms.imports.uploads import StoredUpload  # noqa: E402
from lms.models import (  # noqa: E402
    AgencyType,
    Audience,
    CertificationTrack,
    Course,
    Organization,
    OrganizationKind,
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
    this_year = date.today().year
    for n in range(people_count):
        for k in range(per_person):
            day = date(this_year - per_person + k, 1 + n % 12, 1 + n % 28)
            lines.append(f"E{n:06d},ALERRT-REFRESH,{day.isoformat()},8,Sgt. Hayes,C{n}-{k},Old LMS")
    return ("\r\n".join(lines) + "\r\n").encode()


def timed(label: str, work, budget: float, verdicts: list[bool]):
    begin = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - begin
    verdicts.append(seconds <= budget)
    print(f"{label}: {seconds:.2f} s (budget {budget:.0f} s)")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="drop the LMS tables there first")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--records-per-person", type=int, default=10)
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
