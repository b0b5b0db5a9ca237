"""Instructions the app executes per request of the main pages, counted by callgrind.

Milliseconds of CPU change with the machine and with whatever else it runs (this
project's machines have differed by 2.5 times for the same code, and a busy one
by ±20% from run to run); instructions do not. For each page this runs the app
under ``valgrind --tool=callgrind`` with counting off, signs in through the real
form as whoever opens the page (``lms.demo.large_pages.main_pages``), asks the
page three times to warm up, then counts ``--repeat`` requests through Flask's
test client and prints the instructions per request: the app's whole work in
this process (routing, session, access policy, the Python side of every SQL
round trip, templates), not the database server's, nor the garbage collector's
(off while counting: a full collection among ten requests adds about 95 M). The
same code on the same data gives the same count to a fraction of a percent, on
any machine: compare two commits with ``--app-root``.

Usage::

    .venv/bin/python benchmarks/page_instructions.py \\
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/lms_large \\
        --key-dir /tmp/lms-large-keys --only "officer dashboard" status
    .venv/bin/python benchmarks/page_instructions.py ... --url /training/verify/
    .venv/bin/python benchmarks/page_instructions.py ... --app-root /other/checkout

About 35 s a page (valgrind runs the counted requests about 50 times slower).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLLECTED = re.compile(r"Collected : (\d+)")


def count(args, page: str, email: str | None, url: str) -> int:
    """Instructions of ``args.repeat`` requests of ``url``, from a fresh process."""
    environment = dict(os.environ)
    root = Path(args.app_root).resolve() if args.app_root else HERE.parent
    environment["PYTHONPATH"] = os.pathsep.join([str(root), str(HERE)])
    command = [
        "valgrind",
        "--tool=callgrind",
        "--instr-atstart=no",
        "--callgrind-out-file=/dev/null",
        sys.executable,
        str(Path(__file__).resolve()),
        "--inner",
        "--database-url",
        args.database_url,
        "--key-dir",
        args.key_dir,
        "--repeat",
        str(args.repeat),
        "--inner-url",
        url,
    ]
    if email:
        command += ["--inner-email", email]
    done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False)
    found = COLLECTED.search(done.stderr)
    if args.app_root and f"counting {root / 'lms'}" not in done.stderr:
        sys.exit(f"{page}: the counted run did not import {root / 'lms'}")
    if done.returncode or not found:
        sys.exit(f"{page}: the counted run failed\n{done.stdout}\n{done.stderr[-3000:]}")
    return int(found[1])


def inner(args) -> None:
    """Inside valgrind: warm up, switch counting on, ask the page, switch it off."""
    # lms first, from PYTHONPATH (--app-root): importing pages_bench puts this checkout
    # first on sys.path, and what is imported already stays.
    create_app = importlib.import_module("lms.app").create_app
    from pages_bench import signed_in  # noqa: PLC0415 - only inside the counted process

    print(f"counting {Path(sys.modules['lms'].__file__).parent}", file=sys.stderr)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "LMS_KEY_DIR": args.key_dir,
            "SECRET_KEY": "page-instructions",
            "LMS_RATELIMIT_ENABLED": False,
        }
    )
    client = signed_in(app, args.inner_email)
    for _ in range(3):
        answer = client.get(args.inner_url)
        if answer.status_code != 200:
            sys.exit(f"{args.inner_url} answered {answer.status_code}")
    # The collector off while counting: a full collection that falls among the counted
    # requests (where depends on every allocation before) adds about 95 M instructions
    # and would move a comparison by more than most changes do.
    gc.collect()
    gc.disable()
    toggle = ["callgrind_control", "-i"]
    subprocess.run([*toggle, "on", str(os.getpid())], check=True, capture_output=True)
    for _ in range(args.repeat):
        client.get(args.inner_url)
    subprocess.run([*toggle, "off", str(os.getpid())], check=True, capture_output=True)
    gc.enable()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="holds the large demo")
    parser.add_argument("--key-dir", required=True, help="the keys the demo was signed with")
    parser.add_argument("--repeat", type=int, default=10, help="counted requests a page")
    parser.add_argument("--only", nargs="*", help="page names (default: all)")
    parser.add_argument("--url", help="count this path instead (signed in with --email)")
    parser.add_argument("--email", help="who asks --url (default: nobody signed in)")
    parser.add_argument("--app-root", help="a checkout whose lms to count instead of this one")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inner-url", help=argparse.SUPPRESS)
    parser.add_argument("--inner-email", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        inner(args)
        return 0

    if args.url:
        pages = {args.url: (args.email, args.url)}
    else:
        sys.path.insert(0, str(HERE.parent))
        from lms.app import create_app, db  # noqa: PLC0415
        from lms.demo.large_pages import main_pages  # noqa: PLC0415

        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": args.database_url,
                "LMS_KEY_DIR": args.key_dir,
                "SECRET_KEY": "page-instructions",
            }
        )
        with app.app_context():
            pages = main_pages(db.session)
        if args.only:
            pages = {name: pages[name] for name in args.only}
    print(f"{'page':<20} {'instructions/request':>21}")
    for name, (email, url) in pages.items():
        total = count(args, name, email, url)
        print(f"{name:<20} {total / args.repeat / 1e6:19.2f} M", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
