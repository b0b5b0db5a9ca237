"""The fuzzing test's parts: a hostile corpus, the names the LMS reads, a world, its roles.

Everything here is derived from the running app where it can be (routes from
``app.url_map``, field names from the subclasses of :class:`lms.forms.Form`,
query names from the views' source), so a route, form or query parameter added
later is fuzzed without a line of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, quote_from_bytes, urlencode, urlsplit

from werkzeug.routing import Rule
from werkzeug.test import run_wsgi_app
from werkzeug.wsgi import get_current_url
from wtforms.fields import FieldList, FormField
from wtforms.fields.core import UnboundField

import lms
from lms.auth import links
from lms.calendar import operations as calendar_operations
from lms.credentials import operations as credential_operations
from lms.enrollment import manage
from lms.enrollment import operations as enrollment_operations
from lms.forms import Form, SubForm
from lms.mail.operations import Attachment, MailCategory, queue_mail
from lms.mail.preferences import unsubscribe_token
from lms.mail.views import PREVIEW_HEADERS
from lms.models import AgencyType, Audience, Certificate, Role, utcnow
from lms.web import SECURITY_HEADERS
from tests.credentials.support import train
from tests.support import CSRF_RE, Factory, FormClient

# --- the hostile corpus ---------------------------------------------------------------------


@dataclass(frozen=True)
class Hostile:
    """One hostile value: text, or raw bytes that are not UTF-8."""

    kind: str
    value: str | bytes
    #: Path only: put into the URL as written (``%2e%2e`` stays an escape), not quoted.
    verbatim: bool = False

    @property
    def raw(self) -> bytes:
        return self.value if isinstance(self.value, bytes) else self.value.encode()

    def in_path(self) -> str:
        return self.value if self.verbatim else quote_from_bytes(self.raw, safe="")


LONG = "A" * 10_000

#: kind -> values. Every kind is sent in every path segment, query name and form field
#: of every route, by every role (see ``Plan``).
CORPUS: dict[str, tuple[Hostile, ...]] = {
    kind: tuple(Hostile(kind, v) if not isinstance(v, Hostile) else v for v in values)
    for kind, values in {
        "huge-int": ("2147483648", "9223372036854775808", "99999999999999999999", "1" + "0" * 400),
        "negative-or-zero": ("-1", "0", "-2147483649", "0000000000", "-9223372036854775809", "-0"),
        "not-finite": ("1e309", "NaN", "sNaN", "-Infinity", "1e-400", "0x10", "1_000"),
        "unicode-digits": ("١٢٣", "²", "𝟙𝟚", "１２"),  # \d matches them; int() may not
        "nul": ("\x00", "1\x00", "Smith\x00<script>"),
        "control": ("\x01\x02\x1b[31m", "\x7f", "a\rb\nc\td", "\x0b\x0c\x1c\x1f", "\x85\x9b"),
        "bidi-or-invisible": (
            "\u202eevil.pdf",
            "\u200b",
            "\u2066Smith\u2069",
            "\ufeffname",
            "\u200eabc\u200f",
            "a\u200db",
            "\u202a\u202d",
            "\u2060\u180e\u061c",
        ),
        "long": (LONG, "9" * 10_000, "\u202e" * 10_000),
        "date": (
            "0001-01-01",
            "9999-12-31",
            "1899-12-31",
            "2201-01-01",
            "2026-02-30",
            "2026-11-01T01:30",  # the repeated hour in America/Denver
            "2026-03-08T02:30",  # the skipped one
            "2026-11-01",
            "01:30",
            "24:00",
            "99:99",
        ),
        "markup-or-template": (
            "<script>alert(1)</script>",
            "{{7*7}}",
            '"><img src=x onerror=alert(1)>',
            "${7*7}",
            "{% print 7*7 %}",
            "%s%s%s%n",
        ),
        "sql": ("' OR 1=1--", "1; DROP TABLE lms_person;--", "%' --", '"'),
        "path": (
            Hostile("path", "../../etc/passwd", verbatim=True),
            Hostile("path", "%2e%2e", verbatim=True),
            Hostile("path", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", verbatim=True),
            Hostile("path", "..%5c..%5cwindows", verbatim=True),
            "//evil.example/",
            "https://evil.example/",
            "javascript:alert(1)",
        ),
        "empty": ("", " ", "\t"),
        "non-utf8": (b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"caf\xe9"),
    }.items()
}
KINDS = tuple(CORPUS)
#: The kinds of values a path segment gets, by the rule's converter. Integer-ish ones
#: for ids; text ones for codes, serials and tokens; a few of both in each.
PATH_KINDS = {
    "IdConverter": (
        "huge-int",
        "negative-or-zero",
        "not-finite",
        "unicode-digits",
        "nul",
        "long",
        "path",
        "empty",
        "non-utf8",
        "sql",
    ),
    "TextConverter": (
        "nul",
        "control",
        "bidi-or-invisible",
        "long",
        "markup-or-template",
        "sql",
        "path",
        "empty",
        "non-utf8",
        "date",
        "huge-int",
    ),
    "PathConverter": (
        "nul",
        "path",
        "long",
        "non-utf8",
        "bidi-or-invisible",
        "empty",
        "markup-or-template",
    ),
}


def pick(kind: str, turn: int) -> Hostile:
    """The ``turn``-th value of ``kind``, cycling: fixed, so every run sends the same."""
    values = CORPUS[kind]
    return values[turn % len(values)]


# --- the names the LMS reads ----------------------------------------------------------------


def lms_form_classes() -> list[type]:
    """Every form class of the LMS: subclasses of Form and SubForm defined in ``lms``."""
    found, stack = [], [Form, SubForm]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.append(sub)
                stack.append(sub)
    return sorted(
        (c for c in found if c.__module__.startswith("lms.")), key=lambda c: c.__qualname__
    )


def _field_names(form_class: type, prefix: str = "") -> list[str]:
    names = []
    for attribute in dir(form_class):
        unbound = getattr(form_class, attribute, None)
        if isinstance(unbound, UnboundField):
            names += _unbound_names(unbound, prefix + attribute)
    return names


def _unbound_names(unbound: UnboundField, name: str) -> list[str]:
    if issubclass(unbound.field_class, FieldList):
        inner = unbound.args[0]
        # The first rows, and rows at indexes no list should hold.
        return [n for index in (0, 1, 2147483648) for n in _unbound_names(inner, f"{name}-{index}")]
    if issubclass(unbound.field_class, FormField):
        return _field_names(unbound.args[0], f"{name}-")
    return [name]


#: Query names the source reads in ways a regex cannot see (a filter's name passed on).
KNOWN_QUERY_NAMES = ("organization", "course", "page", "serial", "sig", "next", "period")
_QUERY_READ = re.compile(r"""(?:request\.args\.get(?:list)?|_list_filter)\(\s*["']([\w-]+)["']""")


def query_names() -> list[str]:
    """The query-string names the LMS's views read, found in its source."""
    source_dir = Path(lms.__file__).parent
    found = set(KNOWN_QUERY_NAMES)
    for path in source_dir.rglob("*.py"):
        found.update(_QUERY_READ.findall(path.read_text()))
    return sorted(found)


def input_names() -> list[str]:
    """Every form field and query name, each once (``csrf_token`` is sent on its own)."""
    names = set(query_names())
    for form_class in lms_form_classes():
        names.update(_field_names(form_class))
    names.discard("csrf_token")
    return sorted(names)


def encode_pairs(pairs: list[tuple[str, Hostile]]) -> bytes:
    """A query string or urlencoded body from raw bytes (so non-UTF-8 goes through)."""
    return urlencode([(quote(name), value.raw) for name, value in pairs]).encode()


# --- the world: objects each role can reach -----------------------------------------------

ROLES = (
    "anonymous",
    "officer",
    "instructor",
    "coordinator",
    "other-agency coordinator",
    "group A coordinator",
    "group B coordinator",
    "admin",
)


@dataclass
class World:
    """The seeded objects, the people who act as each role, and URL arguments that exist."""

    people: dict[str, object]
    #: Coherent sets of real URL arguments (a session with its own meeting and enrollment).
    bindings: list[dict[str, object]]
    extra: dict[str, object] = field(default_factory=dict)


def seed_world(make: Factory) -> World:
    """A small program: a trained class with certificates, an open session, community groups."""
    today = date.today()
    trained = train(make)  # a police refresher held 10 days ago, three completions
    police, instructor = trained.department, trained.instructor
    session_past = trained.session
    report = credential_operations.issue_certificates(instructor, session_past.id)
    session_past.roster_finalized_at = utcnow()
    session_past.roster_finalized_by_id = instructor.id
    make.db.commit()
    certificate: Certificate = report.issued[0]

    fire = make.organization("Missoula Fire Department", agency_type=AgencyType.FIRE)
    group_a = make.group("Big Sky High School")
    group_b = make.group("Hellgate Community Church", agency_type=AgencyType.CHURCH)
    people = {
        "officer": make.person(Role.OFFICER, organization=police, name="Ofc. Sam Ortiz"),
        "instructor": instructor,
        "coordinator": make.person(Role.COORDINATOR, organization=police, name="Lt. Kim Park"),
        "other-agency coordinator": make.person(
            Role.COORDINATOR, organization=fire, name="Capt. Lee Fire"
        ),
        "group A coordinator": make.person(
            Role.GROUP_COORDINATOR, organization=group_a, name="Dana Principal"
        ),
        "group B coordinator": make.person(
            Role.GROUP_COORDINATOR, organization=group_b, name="Pat Pastor"
        ),
        "admin": make.person(Role.ADMIN, organization=police, name="Alex Admin"),
    }
    # Targets of changes (deactivation, claim links) that are nobody's sign-in.
    bystander = make.person(Role.OFFICER, organization=police, name="Ofc. Bo Bystander")
    member_a = make.person(organization=group_a, name="Avery Lee", email="avery@bigsky.test")
    member_b = make.person(organization=group_b, name="Jo Quinn", email="jo@hellgate.test")

    refresher = session_past.course
    upcoming = make.session(refresher, start=today + timedelta(days=14), lead=instructor)
    officer_place = make.enrollment(upcoming, people["officer"])
    make.enrollment(upcoming, bystander)
    # A roster not finalized yet: held last week, one meeting, attendance open.
    open_roster = make.session(refresher, start=today - timedelta(days=7), lead=instructor)
    open_place = make.enrollment(open_roster, people["officer"])

    crase = make.course(
        "CRASE",
        title="CRASE: Avoid, Deny, Defend",
        organization=police,
        audience=Audience.CIVILIANS,
        is_public=True,
    )
    community = make.session(crase, start=today + timedelta(days=21), capacity=30, lead=instructor)
    place_a = make.enrollment(community, member_a)
    place_b = make.enrollment(community, member_b)

    manage_token = manage.issue_manage_link(place_b)
    claim_token = enrollment_operations.create_claim_token(member_a, people["group A coordinator"])
    feed_token = calendar_operations.regenerate_feed_token(bystander)
    make.set_password(bystander)
    reset_token = links.issue_reset_link(bystander, people["admin"]).token
    track = make.track("FUZZ-TRACK", name="Fuzzed certification track")
    message = queue_mail(
        bystander,
        "test_message",
        {"sent_by": people["admin"]},
        category=MailCategory.TRANSACTIONAL,
        attachments=[Attachment("note.txt", "text/plain; charset=utf-8", b"A note")],
    )
    make.db.commit()

    bindings = [
        {  # the finalized roster and its certificate
            "session_id": session_past.id,
            "meeting_id": session_past.meetings[0].id,
            "enrollment_id": trained.completions[0].enrollment_id,
            "organization_id": police.id,
            "person_id": bystander.id,
            "code": refresher.code,
            "serial": certificate.serial,
            "token": feed_token,
        },
        {  # a community session, group A's members in it
            "session_id": community.id,
            "meeting_id": community.meetings[0].id,
            "enrollment_id": place_a.id,
            "organization_id": group_a.id,
            "person_id": member_a.id,
            "code": crase.code,
            "serial": certificate.serial,
            "token": claim_token,
        },
        {  # an open roster
            "session_id": open_roster.id,
            "meeting_id": open_roster.meetings[0].id,
            "enrollment_id": open_place.id,
            "organization_id": group_b.id,
            "person_id": member_b.id,
            "code": refresher.code,
            "serial": certificate.serial,
            "token": feed_token,
        },
        {  # an upcoming officers' session
            "session_id": upcoming.id,
            "meeting_id": upcoming.meetings[0].id,
            "enrollment_id": officer_place.id,
            "organization_id": group_a.id,
            "person_id": bystander.id,
            "code": refresher.code,
            "serial": certificate.serial,
            "token": claim_token,
        },
    ]
    # The finalized roster again, with a password-reset link for the token.
    bindings.append({**bindings[0], "token": reset_token})
    # And with an unsubscribe link (reminders) of the bystander.
    bindings.append({**bindings[0], "token": unsubscribe_token(bystander, MailCategory.REMINDER)})
    # The community session again, with a live manage link (group B's member's booking).
    bindings.append({**bindings[1], "enrollment_id": place_b.id, "token": manage_token})
    for binding in bindings:  # static files: the LMS's stylesheet (another blueprint's: 404)
        binding["filename"] = "lms.css"
        binding["track_id"] = track.id
        binding["message_id"] = message.id  # an outbox message and its attachment
        binding["number"] = 1
    return World(people, bindings, {"group_a": group_a, "community": community})


# --- clients, one per role --------------------------------------------------------------------


class FuzzClient(FormClient):
    """The form client, its cookies matched to the URL without the query string.

    Werkzeug's client unquotes the whole URL twice per request to match cookies,
    which takes a second for a megabyte of hostile query; cookies ignore the query.
    """

    def run_wsgi_app(self, environ, buffered=False):
        query = environ.get("QUERY_STRING", "")
        environ["QUERY_STRING"] = ""
        self._add_cookies_to_wsgi(environ)
        url = urlsplit(get_current_url(environ))
        environ["QUERY_STRING"] = query
        rv = run_wsgi_app(self.application, environ, buffered=buffered)
        self._update_cookies_from_response(
            url.hostname or "localhost", url.path, rv[2].getlist("Set-Cookie")
        )
        return rv


class RoleClient:
    """A browser of its own for one role: its cookies, its CSRF token, its identity."""

    def __init__(self, app, make: Factory, role: str, person=None):
        self.app, self.make, self.role, self.person = app, make, role, person
        self.start()

    def start(self) -> None:
        """Sign in (or, anonymous, just open a session) and note the session's CSRF token."""
        self.app.test_client_class = FuzzClient
        self.client: FuzzClient = self.app.test_client()
        if self.person is not None:
            if self.person.password_hash is None:
                self.make.set_password(self.person)
            response = self.client.submit(
                "/training/sign-in", {"email": self.person.email, "password": Factory.PASSWORD}
            )
            assert response.status_code == 302, f"{self.role} could not sign in"
        page = self.client.get("/training/sign-in" if self.person is None else "/training/courses/")
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match, f"no CSRF token for {self.role}"
        self.csrf_token = match.group(1)
        self._cookies = self._cookie_jar()

    def _cookie_jar(self) -> list:
        return [(c.domain, c.key, c.value, c.path) for c in self.client._cookies.values()]

    def restore(self) -> None:
        """Back to the state after ``start``: a request may have signed in or out."""
        self.client._cookies.clear()
        for domain, key, value, path in self._cookies:
            self.client.set_cookie(key, value, domain=domain, path=path)
        if self.person is not None:
            still = self.client.get("/training/account")
            if still.status_code != 200:  # signed out for good (a sign-out POST): again
                self.start()


#: Stricter values a response may carry instead (private feeds send no referrer at all).
STRICTER = {"Referrer-Policy": {"no-referrer"}}


def missing_security_headers(response) -> list[str]:
    """The security headers ``response`` lacks or carries with a weaker value.

    One page may be framed: a message's HTML in the Outbox page, by the LMS's own
    pages only, sandboxed, with nothing allowed but inline styles (``PREVIEW_HEADERS``).
    """
    accepted = {name: {value, *STRICTER.get(name, ())} for name, value in SECURITY_HEADERS.items()}
    csp = "Content-Security-Policy"
    if response.headers.get(csp) == PREVIEW_HEADERS[csp]:
        for name, value in PREVIEW_HEADERS.items():
            accepted[name].add(value)
    missing = [
        name for name, values in accepted.items() if response.headers.get(name) not in values
    ]
    if response.mimetype == "text/html" and "no-store" not in response.headers.get(
        "Cache-Control", ""
    ):
        missing.append("Cache-Control: no-store")
    return missing


def converter_name(rule: Rule, argument: str) -> str:
    return type(rule._converters[argument]).__name__
