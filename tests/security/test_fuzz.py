"""No input breaks the LMS: every route, every role, a corpus of hostile values.

Generated from ``app.url_map``, so a route added later is fuzzed (and, without an
access policy, fails ``test_every_lms_route_declares_its_access``). For every
``lms.*`` route and every role (``fuzz_support.ROLES``), each kind of hostile
value (``fuzz_support.CORPUS``) goes

- into every query name and form field the LMS reads (each name twice: a
  repeated key), with ids of real objects in the path so the view runs and, on
  POST, the session's CSRF token so the form is read: two kinds a request, the
  names split between them, the halves swapping from one role to the next;
- into the path segments, by converter: half the kinds a role, the other half
  the next role's, so each route gets every kind in every segment;

and POSTs also go without a token, with another session's and with garbage.
The answer is never a 5xx, and every answer carries ``lms.web.SECURITY_HEADERS``.
Failures are collected, each narrowed to the one input that fails alone, and
reported together. The plan is fixed (no randomness): every run sends the same.
"""

from __future__ import annotations

import functools
import io
import itertools
import time
import unicodedata
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lms.auth.policy import access_of
from lms.boundary import name_problem, text_problem
from lms.enrollment.roster_csv import MAX_ROWS
from lms.models import Enrollment

from .fuzz_support import (
    CORPUS,
    KINDS,
    PATH_KINDS,
    ROLES,
    Hostile,
    RoleClient,
    World,
    converter_name,
    encode_pairs,
    input_names,
    missing_security_headers,
    pick,
    seed_world,
)

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def app_config(app_config):
    """Errors answered as in production (500), not raised into the test; no rate limits.

    A 429 would come before the view reads the input (the limits have tests of their own).
    """
    return {
        **app_config,
        "PROPAGATE_EXCEPTIONS": False,
        "LMS_RATELIMIT_ENABLED": False,
        # The seeded world's links are mailed outside a request: they need the public address.
        "LMS_PUBLIC_URL": "https://training.mpd.test",
        "LMS_PASSWORD_RESET_ANSWER_MS": 0,  # the reset form's time floor is tested apart
    }


def lms_rules(app):
    return sorted(
        (r for r in app.url_map.iter_rules() if r.endpoint.startswith("lms.")),
        key=lambda r: (r.rule, r.endpoint),
    )


def test_every_lms_route_declares_its_access(app):
    undeclared = [
        f"{rule.rule} ({rule.endpoint})"
        for rule in lms_rules(app)
        if access_of(app.view_functions[rule.endpoint]) is None
    ]
    assert not undeclared, "LMS routes without lms.auth.policy.allow(...): " + ", ".join(undeclared)


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One request: where the hostile input goes, and of which kind."""

    endpoint: str
    role: str
    method: str
    where: str  # path | fields | csrf
    kinds: tuple[str, ...]
    path: str
    #: What the query string and (POST) form carry: see ``inputs``.
    inputs: tuple = ()
    csrf: str | Hostile | None = "valid"  # "valid", "foreign", None (missing) or garbage


#: The kinds each field request sends. Two kinds a request, every other name one of
#: them; the halves swap from one role to the next, so on every route each name gets
#: each kind. A 10,000-character value goes alone, in one name of eight (turning with
#: the role): in every name at once it is a megabyte for the client to encode.
LONG_EVERY = 8


def field_groups() -> list[tuple[str, ...]]:
    """``KINDS`` without "long", in pairs (a last one alone), and "long" on its own."""
    others = [k for k in KINDS if k != "long"]
    return [("long",), *(tuple(others[i : i + 2]) for i in range(0, len(others), 2))]


@functools.cache
def inputs(names: tuple[str, ...], kinds: tuple[str, ...], turn: int) -> str:
    """A urlencoded string giving names hostile values of ``kinds`` (cached: few distinct).

    Each name is sent twice (a repeated key), with two values of its kind; a long value
    once (the repeated key is every other kind's; a second 10,000-character value in
    each name only doubles the megabytes the server percent-decodes, most of the
    fuzz's time).
    """
    if kinds == ("long",):
        chosen = [(i, n, "long") for i, n in enumerate(names) if (i + turn) % LONG_EVERY == 0]
        repeats = (0,)
    else:
        chosen = [(i, n, kinds[(i + turn) % len(kinds)]) for i, n in enumerate(names)]
        repeats = (0, 1)
    pairs = [(n, pick(kind, turn + i + again)) for i, n, kind in chosen for again in repeats]
    return encode_pairs(pairs).decode("ascii")


def _real_path(rule, binding) -> str:
    return rule.build({name: binding[name] for name in rule.arguments}, append_unknown=False)[1]


def _path_with(rule, binding, argument: str, value: Hostile) -> str:
    marker = "999999999" if converter_name(rule, argument) == "IdConverter" else "FUZZ-MARKER"
    values = {name: binding[name] for name in rule.arguments}
    values[argument] = marker
    return _real_path(rule, values).replace(marker, value.in_path(), 1)


def plan(app, world: World, names: tuple[str, ...]) -> list[Probe]:
    """Every probe, in a fixed order: route by route, then role by role."""
    probes = []
    for r, rule in enumerate(lms_rules(app)):
        methods = sorted(rule.methods - IGNORED_METHODS)
        arguments = sorted(rule.arguments)
        for o, role in enumerate(ROLES):
            turn = r + o
            binding = world.bindings[turn % len(world.bindings)]
            real = _real_path(rule, binding)
            # Path: half the kinds the converters take (the other half the next role's),
            # each in one of the segments, in turn.
            for k, kind in enumerate(_path_kinds(rule)):
                if (k + o) % 2:
                    continue
                takers = [a for a in arguments if kind in _kinds_of(rule, a)]
                argument = takers[(k // 2 + o // 2) % len(takers)]
                path = _path_with(rule, binding, argument, pick(kind, turn + k))
                method = "GET" if "GET" in methods else methods[0]
                probes.append(Probe(rule.endpoint, role, method, "path", (kind,), path))
            for method in methods:
                # Query names and form fields, every one of them, the real objects in the path.
                for kinds in field_groups():
                    every = len(CORPUS[kinds[0]]) * LONG_EVERY if kinds == ("long",) else 10**6
                    probes.append(
                        Probe(
                            rule.endpoint,
                            role,
                            method,
                            "fields",
                            kinds,
                            real,
                            (kinds, turn % every),
                        )
                    )
                if method == "GET":
                    continue
                # Without a token, with another session's, with garbage: two a role, in turn.
                for token in (CSRF_VARIANTS * 2)[2 * o % len(CSRF_VARIANTS) :][:2]:
                    kind = "csrf " + (
                        token if isinstance(token, str) else getattr(token, "kind", "missing")
                    )
                    sql = ("sql",)
                    probes.append(
                        Probe(
                            rule.endpoint,
                            role,
                            method,
                            "csrf",
                            (kind,),
                            real,
                            (sql, turn),
                            token,
                        )
                    )
    return probes


CSRF_VARIANTS = (
    None,  # missing
    "foreign",  # another session's
    Hostile("garbage", "not-a-token"),
    Hostile("nul", "IjAx\x00Ig.Zz.Zz"),
    Hostile("long", "A" * 10_000),
    Hostile("non-utf8", b"\xff\xfe.\xff"),
)


def _kinds_of(rule, argument) -> tuple[str, ...]:
    return PATH_KINDS[converter_name(rule, argument)]


def _path_kinds(rule) -> list[str]:
    """The kinds any of the rule's segments takes, each once, in corpus order."""
    wanted = {k for a in rule.arguments for k in _kinds_of(rule, a)}
    return [k for k in [*KINDS] if k in wanted]


# --- sending ------------------------------------------------------------------------------------


def send(clients: dict[str, RoleClient], probe: Probe, query: str):
    """``probe``'s request, ``query`` as its query string and (POST) its form."""
    actor = clients[probe.role]
    if probe.method == "GET":
        return actor.client.get(probe.path, query_string=query)
    token = probe.csrf
    if token == "valid":
        token = Hostile("valid", actor.csrf_token)
    elif token == "foreign":
        other = "anonymous" if probe.role != "anonymous" else "officer"
        token = Hostile("foreign", clients[other].csrf_token)
    body = query.encode()
    if token is not None:
        body = encode_pairs([("csrf_token", token)]) + (b"&" + body if body else b"")
    return actor.client.open(
        probe.path,
        method=probe.method,
        query_string=query,
        data=body,
        content_type="application/x-www-form-urlencoded",
    )


def problems_of(response) -> str | None:
    problems = []
    if response.status_code >= 500:
        problems.append(f"answered {response.status_code}")
    lacking = missing_security_headers(response)
    if lacking:
        problems.append("lacks " + ", ".join(lacking))
    return "; ".join(problems) or None


@dataclass
class Failure:
    probe: Probe
    problem: str
    #: The one name=value of the query or form that alone fails the same way, when found.
    culprit: str | None = None


def culprit(clients, probe: Probe, query: str) -> str | None:
    """The first name=value of ``query`` that fails on its own (one request per pair)."""
    for pair in query.split("&"):
        if problems_of(send(clients, probe, pair)):
            name, _, value = pair.partition("=")
            return f"{name}={value if len(value) <= 60 else value[:60] + '…'}"
    return None


def run(clients, names, probes) -> list[Failure]:
    """Send every probe; the failures, each narrowed to one input the first time it shows."""
    failures, narrowed = [], set()
    for (_, role), batch in itertools.groupby(probes, key=lambda p: (p.endpoint, p.role)):
        batch = list(batch)
        for probe in batch:
            query = inputs(names, *probe.inputs) if probe.inputs else ""
            problem = problems_of(send(clients, probe, query))
            if not problem:
                continue
            failure = Failure(probe, problem)
            if query and (probe.endpoint, probe.kinds) not in narrowed:
                narrowed.add((probe.endpoint, probe.kinds))
                failure.culprit = culprit(clients, probe, query)
            failures.append(failure)
        if any(p.method != "GET" for p in batch):  # it may have signed in or out
            clients[role].restore()
    return failures


def report(failures: list[Failure]) -> str:
    """One line per route, where, kind and problem, with the roles and one input that fail."""
    grouped: dict[tuple, list[Failure]] = {}
    for failure in failures:
        p = failure.probe
        key = (p.endpoint, p.method, p.where, "+".join(p.kinds), failure.problem)
        grouped.setdefault(key, []).append(failure)
    lines = [f"{len(failures)} requests failed ({len(grouped)} distinct):"]
    for (endpoint, method, where, kind, problem), group in sorted(grouped.items()):
        roles = sorted({f.probe.role for f in group}, key=ROLES.index)
        example = next((f for f in group if f.culprit), group[0])
        shown = example.probe.path
        shown = shown if len(shown) <= 120 else shown[:120] + f"…({len(shown)} chars)"
        given = f" with {example.culprit}" if example.culprit else ""
        lines.append(
            f"  {problem}: {method} {shown}{given} [{endpoint}; {kind} in {where}; "
            f"roles: {', '.join(roles)}]"
        )
    return "\n".join(lines)


#: The plan runs in this many parts, routes dealt out in turn, so that parallel test
#: workers share the several thousand requests instead of one worker sending them all.
SHARDS = 6


def shard_of(endpoint: str, endpoints: list[str]) -> int:
    return endpoints.index(endpoint) % SHARDS


def test_the_plan_covers_every_route_role_and_kind(app, make):
    """Every route x role x kind in the fields and, for routes with arguments, in the path
    (half the path kinds a role, all of them on each route); every route in some part."""
    probes = plan(app, seed_world(make), tuple(input_names()))
    rules = lms_rules(app)
    covered = {(p.endpoint, p.role, p.where, kind) for p in probes for kind in p.kinds}
    for rule in rules:
        for role in ROLES:
            for kind in KINDS:
                assert (rule.endpoint, role, "fields", kind) in covered, (rule, role, kind)
        for kind in _path_kinds(rule):
            roles = [role for role in ROLES if (rule.endpoint, role, "path", kind) in covered]
            assert len(roles) >= len(ROLES) // 2, (rule, kind, roles)
    endpoints = sorted({r.endpoint for r in rules})
    parts = [sum(1 for p in probes if shard_of(p.endpoint, endpoints) == s) for s in range(SHARDS)]
    assert sum(parts) == len(probes) and min(parts) > 0, parts


@pytest.mark.parametrize("shard", range(SHARDS), ids=lambda s: f"part{s + 1}of{SHARDS}")
def test_no_input_answers_a_server_error_or_lacks_security_headers(app, make, request, shard):
    started = time.monotonic()
    world = seed_world(make)
    names = tuple(input_names())
    clients = {role: RoleClient(app, make, role, world.people.get(role)) for role in ROLES}
    rules = lms_rules(app)
    endpoints = sorted({r.endpoint for r in rules})
    probes = [p for p in plan(app, world, names) if shard_of(p.endpoint, endpoints) == shard]

    failures = run(clients, names, probes)
    elapsed = time.monotonic() - started
    mine = [r for r in rules if shard_of(r.endpoint, endpoints) == shard]
    with_arguments = sum(1 for r in mine if r.arguments)
    request.node.user_properties.append(("fuzz", len(probes)))
    print(
        f"\nfuzzed {len(mine)} routes ({with_arguments} with path arguments) x {len(ROLES)} "
        f"roles x {len(KINDS)} kinds ({sum(map(len, CORPUS.values()))} values) over "
        f"{len(names)} input names: {len(probes)} requests in {elapsed:.1f} s"
    )
    assert not failures, report(failures)


# --- roster files -------------------------------------------------------------------------------

HEADER = b"name,email,phone,role\r\n"


def _rows(count: int, name: bytes = b"Avery Lee") -> bytes:
    return b"".join(b"%s %d,person%d@bigsky.test,,Teacher\r\n" % (name, n, n) for n in range(count))


#: file name -> content; none of them may enroll anyone.
HOSTILE_ROSTERS = {
    "nul.csv": HEADER + b"Avery\x00Lee,avery@bigsky.test,,\r\n",
    "nul-everywhere.csv": b"\x00" * 1000,
    "bidi.csv": HEADER + "\u202eeeL yrevA,avery@bigsky.test,,\r\n".encode(),
    "invisible.csv": HEADER + "Avery\u200bLee,avery@bigsky.test,,\u2066x\u2069\r\n".encode(),
    "control.csv": HEADER + b"Avery \x1b[31mLee,avery@bigsky.test,\x07,\r\n",
    "long-cells.csv": HEADER + b"A" * 10_000 + b"," + b"b" * 10_000 + b"@x.test,9,\r\n",
    "longer-than-csv-reads.csv": HEADER + b"A" * 200_000 + b",a@x.test,,\r\n",
    "not-utf8.csv": HEADER + b"Jos\xe9 N\xfa\xf1ez,jose@bigsky.test,,\r\n",
    "utf16.csv": "name,email\r\nAvery Lee,avery@bigsky.test\r\n".encode("utf-16"),
    "markup.csv": HEADER + b"<script>alert(1)</script>,{{7*7}}@x.test,' OR 1=1--,\r\n",
    "over-the-row-limit.csv": HEADER + _rows(MAX_ROWS + 1),
    "unbalanced-quote.csv": HEADER + b'"Avery Lee,avery@bigsky.test,,\r\n',
    "no-header.csv": b",,,,\r\n" * 3 + b"\xef\xbb\xbf",
    "../../etc/passwd\x00.csv": HEADER + b"Avery Lee,avery@bigsky.test,\x00,\r\n",
    "\u202evsc.exe": b"\xff\xfe\x00\x00",
    "A" * 10_000 + ".csv": HEADER + "\u202e,\r\n".encode(),
}


def test_hostile_roster_files_are_refused_with_reasons(app, make):
    """Group rosters with NUL, bidi names, giant cells, other encodings: a 400 that says why."""
    world = seed_world(make)
    coordinator = RoleClient(app, make, "group A coordinator", world.people["group A coordinator"])
    group, session = world.extra["group_a"], world.extra["community"]
    url = f"/training/groups/{group.id}/sessions/{session.id}/roster"
    before = make.db.query(Enrollment).count()
    failures = []
    for filename, content in HOSTILE_ROSTERS.items():
        response = coordinator.client.post(
            url,
            data={"csrf_token": coordinator.csrf_token, "roster": (io.BytesIO(content), filename)},
            content_type="multipart/form-data",
        )
        problem = problems_of(response)
        if problem or response.status_code != 400:
            failures.append(f"{filename[:40]!r}: {response.status_code} {problem or ''}")
    # A file over the app's upload limit never reaches the view.
    too_big = HEADER + b"x" * app.config["MAX_CONTENT_LENGTH"]
    response = coordinator.client.post(
        url,
        data={"csrf_token": coordinator.csrf_token, "roster": (io.BytesIO(too_big), "big.csv")},
        content_type="multipart/form-data",
    )
    if response.status_code != 413 or problems_of(response):
        failures.append(f"too big: {response.status_code} {problems_of(response) or ''}")
    assert not failures, "\n".join(failures)
    make.db.expire_all()
    assert make.db.query(Enrollment).count() == before


# --- the text boundary, by property --------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(codec="utf-8"), max_size=50))
def test_the_text_boundary_never_raises_and_lets_through_only_storable_text(value):
    problem, name = text_problem(value), name_problem(value)
    assert problem is None or isinstance(problem, str)
    assert name is None or isinstance(name, str)
    if problem is None:
        assert "\x00" not in value and not any(unicodedata.category(c) == "Cc" for c in value)
    if name is None:
        assert problem is None
        assert not any(unicodedata.category(c) == "Cf" for c in value)
