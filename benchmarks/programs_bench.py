"""How long a track change takes to preview, and to apply, over a whole department.

Builds the status benchmark's department (``status_bench.py``: 10,000 people,
five years of cycles on three tracks) and turns every ALERRT cycle into one
earned by completing the refresher (a completion of a session, as a finalized
roster records it), so that every cycle is planned again. Then:

- *preview*: ``lms.programs.queries.track_impact`` for ALERRT valid 24 months
  instead of 12: what the admin waits for before confirming (p50/p95);
- *apply*: ``lms.programs.operations.update_track`` with the same change,
  once: every moved cycle revoked with the reason and a new one recorded, each
  audited, then the commit.

Usage::

    .venv/bin/python benchmarks/programs_bench.py                  # SQLite, temporary file
    .venv/bin/python benchmarks/programs_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/lms_bench --reset

Exit status 1 when the preview's p95 exceeds ``--budget-ms``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from status_bench import generate, prepare  # noqa: E402

from lms.app import create_app, db  # noqa: E402
from lms.models import Base, CertificationTrack, Role  # noqa: E402
from lms.models.people import Person, RoleAssignment  # noqa: E402
from lms.programs import operations, queries  # noqa: E402
from lms.programs.drafts import TrackDraft  # noqa: E402

ALERRT = 1  # the track (and its granting course) status_bench creates first
GENERATED = (
    "lms_organization",
    "lms_certification_track",
    "lms_course",
    "lms_person",
    "lms_certification",
    "lms_session",
    "lms_enrollment",
    "lms_completion",
)


def earned_by_completions(engine) -> int:
    """Give every ALERRT cycle a completion of the refresher behind it; returns how many."""
    tables = Base.metadata.tables
    now = datetime.now(UTC)
    with engine.begin() as conn:
        cert, person = tables["lms_certification"], tables["lms_person"]
        cycles = conn.execute(
            select(cert.c.id, cert.c.person_id, cert.c.cycle, cert.c.granted_on)
            .add_columns(person.c.organization_id)
            .join_from(cert, person, person.c.id == cert.c.person_id)
            .where(cert.c.track_id == ALERRT)
        ).all()
        sessions = {row.cycle for row in cycles}
        conn.execute(
            tables["lms_session"].insert(),
            [
                {
                    "id": n,
                    "course_id": ALERRT,
                    "organization_id": 1,
                    "timezone": "America/Denver",
                    "location": "Range",
                    "capacity": 100_000,
                    "status": "completed",
                    "is_public": False,
                    "notes": "",
                    "revision": 0,
                    "revised_at": now,
                    "created_at": now,
                }
                for n in sorted(sessions)
            ],
        )
        rows = [
            {
                "id": c.id,
                "session_id": c.cycle,
                "person_id": c.person_id,
                "organization_id": c.organization_id,
                "status": "completed",
                "source": "self",
                "created_at": now,
                "status_changed_at": now,
            }
            for c in cycles
        ]
        conn.execute(tables["lms_enrollment"].insert(), rows)
        conn.execute(
            tables["lms_completion"].insert(),
            [
                {
                    "id": c.id,
                    "enrollment_id": c.id,
                    "person_id": c.person_id,
                    "course_id": ALERRT,
                    "session_id": c.cycle,
                    "completed_on": c.granted_on,
                    "credit_hours": 8,
                    "rule_key": "attendance",
                    "created_at": now,
                }
                for c in cycles
            ],
        )
        conn.execute(
            update(tables["lms_certification"])
            .where(tables["lms_certification"].c.track_id == ALERRT)
            .values(source="completion", completion_id=tables["lms_certification"].c.id)
        )
    if engine.dialect.name == "postgresql":
        # The rows were inserted with their ids: move the sequences past them.
        with engine.begin() as conn:
            for table in GENERATED:
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
    return len(cycles)


def draft_of(track: CertificationTrack, months: int) -> TrackDraft:
    return TrackDraft(
        code=track.code,
        name=track.name,
        description=track.description,
        validity_months=months,
        renewal_window_days=track.renewal_window_days,
        due_soon_days=track.due_soon_days,
        renewal_basis=track.renewal_basis,
        qualifies_instructors=track.qualifies_instructors,
    )


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="drop the LMS tables there first")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--budget-ms", type=float, default=2000.0)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--no-apply", action="store_true", help="time the preview only")
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="lms-programs-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    engine = prepare(url, args.reset)
    today = date.today()
    begin = time.perf_counter()
    counts = generate(engine, args.people, today, args.seed)
    earned = earned_by_completions(engine)
    engine.dispose()
    print(
        f"{engine.dialect.name}: {counts['people']} people, {earned} ALERRT cycles earned by "
        f"completions (generated in {time.perf_counter() - begin:.1f} s)"
    )

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark",
            "LMS_LOAD_PLUGINS": False,
            "LMS_KEY_DIR": workdir,
        }
    )
    with app.test_request_context():
        admin = Person(full_name="Bench Admin", organization_id=1, email="admin@bench.test")
        admin.roles.append(RoleAssignment(role=Role.ADMIN))
        db.session.add(admin)
        db.session.commit()
        samples, cpu = [], []
        for _ in range(args.repeat + 1):
            db.session.remove()
            track = db.session.get(CertificationTrack, ALERRT)
            started, started_cpu = time.perf_counter(), time.process_time()
            impact = queries.track_impact(track, draft_of(track, 24))
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        samples, cpu = samples[1:], cpu[1:]  # the first warms caches
        p50, p95 = statistics.median(samples), percentile(samples, 0.95)
        print(
            f"  preview  p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (cpu median "
            f"{statistics.median(cpu):6.1f} ms; {impact.cycles_replanned} cycles of "
            f"{impact.people_replanned} people planned again, "
            f"{len(impact.due_changes)} due dates move)"
        )
        if args.no_apply:
            return verdict(p95, args.budget_ms)
        db.session.remove()
        track = db.session.get(CertificationTrack, ALERRT)
        admin = db.session.scalar(select(Person).where(Person.email == "admin@bench.test"))
        started = time.perf_counter()
        result = operations.update_track(track, draft_of(track, 24), admin)
        db.session.commit()
        applied = time.perf_counter() - started
        print(
            f"  apply    {applied:7.1f} s   ({len(result.report.revoked)} cycles revoked, "
            f"{len(result.report.granted)} recorded, each audited)"
        )
    return verdict(p95, args.budget_ms)


def verdict(p95: float, budget_ms: float) -> int:
    """Print whether the preview met its budget; the exit status."""
    passed = p95 <= budget_ms
    print(f"{'PASS' if passed else 'FAIL'}: preview p95 {p95:.1f} ms (budget {budget_ms:.0f} ms)")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
