"""Does "Forgot your password?" answer as fast for an account's address as for a stranger's?

The page is the same whoever the address belongs to; its time should not tell
either. For an account that can sign in, the request writes a reset link (end
the earlier ones, insert the new one, audit it, commit); for any other address
it only looks the address up. Neither path hashes a password, and the answer
waits out a floor (``LMS_PASSWORD_RESET_ANSWER_MS``, 400 ms) that the writing
hides in. This script sends the two kinds of request in a random interleaving
through the Flask app (session, CSRF, rate limits off, real database) and
prints the time of each kind, the difference of the medians, and a noise
yardstick: the medians' gap between two random halves of the *same* kind.
``--answer-ms 0`` measures the two paths without the floor.

Usage::

    .venv/bin/python benchmarks/reset_timing_bench.py                 # SQLite, temporary file
    .venv/bin/python benchmarks/reset_timing_bench.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1/lms_bench --reset

``--reset`` drops the LMS tables of that database first (never anything else).
Exit status 1 when the medians differ by more than ``--budget-ms`` (5 ms).
Why that budget is enough: each address may be asked about 5 times an hour
(``RESET_EMAIL_LIMIT``), and a few samples cannot resolve a few milliseconds
through the spread of one request's time, let alone a network's.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from status_bench import prepare  # noqa: E402

from lms.app import create_app  # noqa: E402
from lms.auth.passwords import hash_password  # noqa: E402
from lms.models import Base  # noqa: E402

FORGOT = "/training/forgot-password"


def add_people(engine, count: int) -> list[str]:
    """``count`` people with a password in one department; returns their addresses."""
    now = datetime.now(UTC)
    tables = Base.metadata.tables
    password_hash = hash_password("Benchmark-Reset-Timing-42")
    people = [
        {
            "id": n,
            "organization_id": 1,
            "full_name": f"Officer {n:05d}",
            "email": f"officer{n}@bench.test",
            "password_hash": password_hash,
            "active": True,
            "notes": "",
            "created_at": now,
        }
        for n in range(1, count + 1)
    ]
    with engine.begin() as conn:
        conn.execute(
            tables["lms_organization"].insert(),
            {
                "id": 1,
                "name": "Missoula Police Department",
                "slug": "department",
                "kind": "department",
                "agency_type": "police",
                "timezone": "America/Denver",
                "active": True,
                "created_at": now,
            },
        )
        conn.execute(tables["lms_person"].insert(), people)
    return [p["email"] for p in people]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(share * len(ordered)) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--reset", action="store_true", help="drop the LMS tables there first")
    parser.add_argument("--people", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=100, help="of each kind")
    parser.add_argument(
        "--answer-ms", type=int, default=None, help="LMS_PASSWORD_RESET_ANSWER_MS (default: 400)"
    )
    parser.add_argument("--budget-ms", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)

    workdir = tempfile.mkdtemp(prefix="lms-reset-timing-bench-")
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite3"
    engine = prepare(url, args.reset)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "benchmark",
            "LMS_LOAD_PLUGINS": False,
            "LMS_KEY_DIR": workdir,
            "LMS_RATELIMIT_ENABLED": False,
            **({} if args.answer_ms is None else {"LMS_PASSWORD_RESET_ANSWER_MS": args.answer_ms}),
        }
    )
    with app.app_context():
        addresses = add_people(engine, args.people)
    engine.dispose()

    rng = random.Random(args.seed)
    client = app.test_client()
    token = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(FORGOT).text
    ).group(1)
    plan = ["known"] * args.requests + ["unknown"] * args.requests
    rng.shuffle(plan)
    samples: dict[str, list[float]] = {"known": [], "unknown": []}
    bodies = set()
    for n, kind in enumerate(["known", "unknown"] * 10 + plan):  # the first 20 warm up
        email = rng.choice(addresses) if kind == "known" else f"stranger{n}@bench.test"
        begin = time.perf_counter()
        response = client.post(FORGOT, data={"csrf_token": token, "email": email})
        elapsed = (time.perf_counter() - begin) * 1000
        assert response.status_code == 200, response.status_code
        bodies.add(response.text.replace(email, "ADDRESS"))
        if n >= 20:
            samples[kind].append(elapsed)
    assert len(bodies) == 1, "the answer differs between known and unknown addresses"

    floor = app.config["LMS_PASSWORD_RESET_ANSWER_MS"]
    print(
        f"{engine.dialect.name}: {args.people} accounts, {args.requests} requests of each kind, "
        f"answer floor {floor} ms"
    )
    for kind, values in samples.items():
        print(
            f"  {kind:<8} p50 {statistics.median(values):6.2f} ms  "
            f"p95 {percentile(values, 0.95):6.2f} ms  "
            f"stdev {statistics.stdev(values):5.2f} ms"
        )
    gap = statistics.median(samples["known"]) - statistics.median(samples["unknown"])
    same = samples["unknown"][:]
    rng.shuffle(same)
    half = len(same) // 2
    noise = statistics.median(same[:half]) - statistics.median(same[half:])
    print(f"  medians differ by {gap:+.2f} ms (two halves of one kind: {noise:+.2f} ms)")
    verdict = "PASS" if abs(gap) <= args.budget_ms else "FAIL"
    print(f"{verdict}: {abs(gap):.2f} ms (budget {args.budget_ms:.0f} ms)")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
