"""Who may reach what: every route x every role x an object of their own and another's.

The table below IS the documentation of the access rules. Each row is one route
(endpoint and method), the access it declares with ``allow(...)`` and, per role,
what that role sees:

    A  allowed (any answer below 500 that is not one of the below: a page, a
       redirect elsewhere, a form error, 304, 409...)
    D  denied (403: the route or the object is not for them)
    H  hidden (404: they are not told the object exists)
    S  sent to sign in (302 to the sign-in page)

Routes with path parameters (or, for the compliance reports, an ``?organization=``
filter) have two letters, ``own/other``: asked about an object of the role's own,
then about another's. What "own" and "other" are per parameter and role is written
in ``tests/security/matrix_world.py`` (``SESSION``, ``RECORD``, ``PERSON``...).

Roles (columns): anon (not signed in), officer, instr (instructor), coord (training
coordinator scoped to the police department), fire (training coordinator scoped to
the fire department, a partner agency), grp_a / grp_b (coordinators of two
community groups), admin.

A route added to the app without a row here fails the test; so does a row whose
declared access differs from ``allow(...)``, and every observed answer that
differs from the table (all of them listed at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.routing import Rule

from lms.auth.policy import ADMIN, PUBLIC, SIGNED_IN, STAFF, TEACHING, access_of
from tests.support import FormClient

from .matrix_world import ROLE_NAMES, ROLES, World, build_world, path_values, query_values

ACCESS = {
    "public": PUBLIC,
    "signed-in": SIGNED_IN,
    "teaching": TEACHING,
    "staff": STAFF,
    "admin": ADMIN,
    "host": None,  # the host app's own routes: the LMS declares nothing for them
}

MATRIX = """
endpoint                             verb access    anon officer instr coord fire grp_a grp_b admin

# The host app's own routes (the standalone app): the LMS declares nothing for them.
index                                GET  host      A    A       A     A     A    A     A     A
healthz                              GET  host      A    A       A     A     A    A     A     A
static                               GET  host      A    A       A     A     A    A     A     A
lms.static                           GET  public    A    A       A     A     A    A     A     A

# Signing in and out, one's own account: sign-in is open; the rest needs a sign-in.
lms.auth.sign_in                     GET  public    A    A       A     A     A    A     A     A
lms.auth.sign_in                     POST public    A    A       A     A     A    A     A     A
lms.auth.sign_out                    POST signed-in S    A       A     A     A    A     A     A

# A forgotten password: anyone may ask for a link (the signed-in are sent to their
# account page); a reset link's token is its key, like a claim link's.
lms.auth.forgot_password             GET  public    A    A       A     A     A    A     A     A
lms.auth.forgot_password             POST public    A    A       A     A     A    A     A     A
lms.auth.reset_password              GET  public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A
lms.auth.reset_password              POST public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A
lms.auth.account                     GET  signed-in S    A       A     A     A    A     A     A
lms.auth.account                     POST signed-in S    A       A     A     A    A     A     A
lms.dashboard.home                   GET  public    A    A       A     A     A    A     A     A
lms.status.mine                      GET  signed-in S    A       A     A     A    A     A     A
lms.enrollment.my_enrollments        GET  signed-in S    A       A     A     A    A     A     A
lms.mail_preferences.edit            GET  signed-in S    A       A     A     A    A     A     A
lms.mail_preferences.edit            POST signed-in S    A       A     A     A    A     A     A

# Unsubscribing from reminders and digests: the signed link in the message is the key
# (RFC 8058 one-click: no sign-in, no CSRF token), whoever holds it.
lms.mail_preferences.unsubscribe     GET  public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A
lms.mail_preferences.unsubscribe     POST public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A

# The catalog: public courses and sessions for everyone; signed in, every session and
# course (private ones are not secret from colleagues, partners or groups: only who is
# enrolled is, see below).
lms.catalog.course_list              GET  public    A    A       A     A     A    A     A     A
lms.catalog.course_detail            GET  public    A/H  A/A     A/A   A/A   A/A  A/A   A/A   A/A
lms.catalog.session_list             GET  public    A    A       A     A     A    A     A     A
lms.catalog.session_detail           GET  public    A/H  A/A     A/A   A/A   A/A  A/A   A/A   A/A
lms.calendar.session_ics             GET  public    A/H  A/A     A/A   A/A   A/A  A/A   A/A   A/A

# Calendar feeds: public feeds exist for public courses only (a private course has none,
# whoever asks). A private feed's secret token is its key: whoever holds the link reads
# it, signed in or not; making or stopping one's own link needs a sign-in.
lms.calendar.index                   GET  public    A    A       A     A     A    A     A     A
lms.calendar.public_feed             GET  public    A    A       A     A     A    A     A     A
lms.calendar.course_feed             GET  public    A/H  H/H     H/H   H/H   H/H  A/H   A/H   H/H
lms.calendar.private_feed            GET  public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A
lms.calendar.new_link                POST signed-in S    A       A     A     A    A     A     A
lms.calendar.stop_feed               POST signed-in S    A       A     A     A    A     A     A

# Certificates, publicly: anyone may verify a serial and fetch the signing keys.
lms.credentials.verify_home          GET  public    A    A       A     A     A    A     A     A
lms.credentials.verify               GET  public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A
lms.credentials.public_keys          GET  public    A    A       A     A     A    A     A     A

# One certificate: its holder, whoever manages the holder (a coordinator of their agency,
# their group's coordinator) and the session's staff see it; nobody else learns it exists.
# Revoking: an administrator or the instructor who signed it (a coordinator may not, and
# is told so). Correcting (a new certificate): whoever may issue for the session (its
# agency's coordinators, its current instructors) or revoke it.
lms.credentials.certificate_detail   GET  signed-in S/S  A/H     A/H   A/H   A/H  A/H   A/H   A/A
lms.credentials.certificate_pdf      GET  signed-in S/S  A/H     A/H   A/H   A/H  A/H   A/H   A/A
lms.credentials.revoke               POST signed-in S/S  D/H     A/H   D/H   D/H  D/H   D/H   A/A
lms.credentials.correct              POST signed-in S/S  D/H     A/H   A/H   A/H  D/H   D/H   A/A

# A session's certificates (list, PDF, zip, issuing): its staff only, i.e. its
# instructors and the coordinators of the agency running it; others get 404.
lms.credentials.session_certificates GET  signed-in S/S  H/H     A/H   A/H   A/H  H/H   H/H   A/A
lms.credentials.session_printable    GET  signed-in S/S  H/H     A/H   A/H   A/H  H/H   H/H   A/A
lms.credentials.session_zip          GET  signed-in S/S  H/H     A/H   A/H   A/H  H/H   H/H   A/A
lms.credentials.issue                POST signed-in S/S  H/H     A/H   A/H   A/H  H/H   H/H   A/A

# An organization's certificates as a zip: its group coordinator, or a coordinator whose
# scope covers it (own = the coordinator's agency), or an admin.
lms.credentials.group_zip            GET  signed-in S/S  H/H     H/H   A/H   A/H  A/H   A/H   A/A

# Enrolling oneself: anyone signed in may ask (the operation judges audience and dates).
# Public registration exists only for public sessions, and sends the signed-in back to
# the session page to enroll themselves.
lms.enrollment.enroll                POST signed-in S/S  A/A     A/A   A/A   A/A  A/A   A/A   A/A
lms.enrollment.register              GET  public    A/H  H/H     H/H   H/H   H/H  A/H   A/H   H/H
lms.enrollment.register              POST public    A/H  H/H     H/H   H/H   H/H  A/H   A/H   H/H

# Cancelling a place: one's own; staff of the session's agency cancel anyone's; a group's
# coordinator their group's people. Instructors do not cancel places, even in their own
# class. Everyone else: 404.
lms.enrollment.cancel                GET  signed-in S/S  A/H     H/H   A/H   A/H  A/H   A/H   A/A
lms.enrollment.cancel                POST signed-in S/S  A/H     H/H   A/H   A/H  A/H   A/H   A/A

# Who is enrolled in a session: its instructors and its agency's coordinators (a
# coordinator scoped to another agency: 403; the session itself is not secret). Adding
# people and setting an agency's seat cap: its agency's coordinators only.
lms.enrollment.session_enrollments   GET  signed-in S/S  D/D     A/D   A/D   A/D  D/D   D/D   A/A
lms.enrollment.coordinator_enroll    POST staff     S/S  D/D     D/D   A/D   A/D  D/D   D/D   A/A
lms.enrollment.set_seat_cap          POST staff     S/S  D/D     D/D   A/D   A/D  D/D   D/D   A/A

# Community groups: a group's coordinator manages their own group only; an admin (or an
# unscoped coordinator) every group. A coordinator scoped to an agency manages no group
# (own = their agency, which is not a group). Anyone else: 404, the group is not named.
lms.enrollment.groups                GET  signed-in S    D       D     A     A    A     A     A
lms.enrollment.group_home            GET  signed-in S/S  H/H     H/H   H/H   H/H  A/H   A/H   A/A
lms.enrollment.group_session         GET  signed-in S/S  H/H     H/H   H/H   H/H  A/H   A/H   A/A
lms.enrollment.reserve_seats         POST signed-in S/S  H/H     H/H   H/H   H/H  A/H   A/H   A/A
lms.enrollment.add_group_member      POST signed-in S/S  H/H     H/H   H/H   H/H  A/H   A/H   A/A
lms.enrollment.upload_roster         POST signed-in S/S  H/H     H/H   H/H   H/H  A/H   A/H   A/A
lms.enrollment.claim_link            POST signed-in S/S  H/H     H/H   H/H   H/H  A/H   A/H   A/A
# The blank roster file to fill in: no one's data, so anyone (a school office) may fetch it.
lms.enrollment.roster_template       GET  public    A    A       A     A     A    A     A     A

# Claiming an account: the link's token is the key (a group's member sets a password).
lms.enrollment.claim                 GET  public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A
lms.enrollment.claim                 POST public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A
# A public registrant's booking: the manage link's token is the key (see and cancel it).
lms.enrollment.manage_booking        GET  public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A
lms.enrollment.manage_booking        POST public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A

# Rosters (attendance, results, finalizing, corrections): the session's instructors and
# its agency's coordinators; for anyone else the session's roster does not exist (404).
# (Finalizing and correcting also need a lead or a coordinator: the instructor here leads.)
lms.rosters.roster_list              GET  teaching  S    D       A     A     A    D     D     A
lms.rosters.roster                   GET  signed-in S/S  H/H     A/H   A/H   A/H  H/H   H/H   A/A
lms.rosters.record_attendance        POST signed-in S/S  H/H     A/H   A/H   A/H  H/H   H/H   A/A
lms.rosters.record_evaluations       POST signed-in S/S  H/H     A/H   A/H   A/H  H/H   H/H   A/A
lms.rosters.finalize                 POST signed-in S/S  H/H     A/H   A/H   A/H  H/H   H/H   A/A
lms.rosters.correction               GET  signed-in S/S  H/H     A/H   A/H   A/H  H/H   H/H   A/A
lms.rosters.correction               POST signed-in S/S  H/H     A/H   A/H   A/H  H/H   H/H   A/A

# Certification status of a person: themselves, and whoever manages them (their agency's
# coordinators, their group's coordinator); anyone else: 404.
lms.status.person                    GET  signed-in S/S  A/H     A/H   A/H   A/H  A/H   A/H   A/A

# Scheduling: staff pages. Courses and sessions are changed only by coordinators of the
# agency that owns them (another agency's: 403). New courses join the department's
# catalog, so only its coordinators create them; a partner's coordinator schedules
# sessions of the courses their agency owns.
lms.scheduling.index                 GET  staff     S    D       D     A     A    D     D     A
lms.scheduling.new_course            GET  staff     S    D       D     A     D    D     D     A
lms.scheduling.new_course            POST staff     S    D       D     A     D    D     D     A
lms.scheduling.edit_course           GET  staff     S/S  D/D     D/D   A/D   A/D  D/D   D/D   A/A
lms.scheduling.edit_course           POST staff     S/S  D/D     D/D   A/D   A/D  D/D   D/D   A/A
lms.scheduling.set_course_active     POST staff     S/S  D/D     D/D   A/D   A/D  D/D   D/D   A/A
lms.scheduling.new_session           GET  staff     S    D       D     A     A    D     D     A
lms.scheduling.new_session           POST staff     S    D       D     A     A    D     D     A
lms.scheduling.edit_session          GET  staff     S/S  D/D     D/D   A/D   A/D  D/D   D/D   A/A
lms.scheduling.edit_session          POST staff     S/S  D/D     D/D   A/D   A/D  D/D   D/D   A/A
lms.scheduling.cancel_session        GET  staff     S/S  D/D     D/D   A/D   A/D  D/D   D/D   A/A
lms.scheduling.cancel_session        POST staff     S/S  D/D     D/D   A/D   A/D  D/D   D/D   A/A

# Compliance reports and exports: staff, over the agencies they coordinate; asking for
# another agency (?organization=) is 404.
lms.compliance.overview              GET  staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.compliance.export_csv            GET  staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.compliance.hours                 GET  staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.compliance.hours_csv             GET  staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.compliance.post_roster           GET  staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A

# Transcripts: a person's own, and anyone's whoever manages them (their agency's
# coordinators, their group's coordinator) sees, issues and downloads; anyone else: 404
# (an instructor does not see their students' transcripts). An agency's transcripts, one
# by one or as a zip: staff coordinating it (another agency's: 404). Verifying is public.
lms.transcripts.person               GET  signed-in S/S  A/H     A/H   A/H   A/H  A/H   A/H   A/A
lms.transcripts.issue                POST signed-in S/S  A/H     A/H   A/H   A/H  A/H   A/H   A/A
lms.transcripts.download             GET  signed-in S/S  A/H     H/H   A/H   A/H  A/H   A/H   A/A
lms.transcripts.index                GET  staff     S    D       D     A     A    D     D     A
lms.transcripts.organization         GET  staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.transcripts.organization_zip     POST staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.transcripts.verify_home          GET  public    A    A       A     A     A    A     A     A
lms.transcripts.verify               GET  public    A/A  A/A     A/A   A/A   A/A  A/A   A/A   A/A
# Imports (people, past training records): staff; a coordinator imports only for the
# organizations they coordinate (people outside them are not found). A preview or apply
# without a stored upload is a form error (A).
lms.imports.index                    GET  staff     S    D       D     A     A    D     D     A
lms.imports.people_template          GET  staff     S    D       D     A     A    D     D     A
lms.imports.people_preview           POST staff     S    D       D     A     A    D     D     A
lms.imports.people_apply             POST staff     S    D       D     A     A    D     D     A
lms.imports.records_template         GET  staff     S    D       D     A     A    D     D     A
lms.imports.records_preview          POST staff     S    D       D     A     A    D     D     A
lms.imports.records_apply            POST staff     S    D       D     A     A    D     D     A

# Organizations: staff see the ones they coordinate (a scoped coordinator's other agency:
# 404) and edit them; creating, deactivating and reactivating are an administrator's.
# A coordinator is added from a group's page (own agency here: not a group, 400 "A").
lms.organizations.index              GET  staff     S    D       D     A     A    D     D     A
lms.organizations.new                GET  admin     S    D       D     D     D    D     D     A
lms.organizations.new                POST admin     S    D       D     D     D    D     D     A
lms.organizations.organization       GET  staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.organizations.edit               GET  staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.organizations.edit               POST staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.organizations.deactivate         POST admin     S/S  D/D     D/D   D/D   D/D  D/D   D/D   A/A
lms.organizations.reactivate         POST admin     S/S  D/D     D/D   D/D   D/D  D/D   D/D   A/A
lms.organizations.add_coordinator    POST staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
# Certification programs (tracks, renewal paths, courses' rules and prerequisites):
# administrators only, department-wide (a track belongs to no agency: one track asked).
lms.programs.index                   GET  admin     S    D       D     D     D    D     D     A
lms.programs.new_track               GET  admin     S    D       D     D     D    D     D     A
lms.programs.new_track               POST admin     S    D       D     D     D    D     D     A
lms.programs.track                   GET  admin     S    D       D     D     D    D     D     A
lms.programs.edit_track              GET  admin     S    D       D     D     D    D     D     A
lms.programs.edit_track              POST admin     S    D       D     D     D    D     D     A
lms.programs.course                  GET  admin     S/S  D/D     D/D   D/D   D/D  D/D   D/D   A/A
lms.programs.course                  POST admin     S/S  D/D     D/D   D/D   D/D  D/D   D/D   A/A
# The audit log (every organization's events, and the CSV of them): administrators only.
lms.audit_trail.index                GET  admin     S    D       D     D     D    D     D     A
lms.audit_trail.export_csv           GET  admin     S    D       D     D     D    D     D     A
# The Outbox (every message sent, each as its recipient sees it; a test message; sending a
# failed one again): administrators only. Retrying a message that did not fail is refused
# with a reason on its page (A).
lms.mail.index                       GET  admin     S    D       D     D     D    D     D     A
lms.mail.send_test                   POST admin     S    D       D     D     D    D     D     A
lms.mail.message                     GET  admin     S/S  D/D     D/D   D/D   D/D  D/D   D/D   A/A
lms.mail.message_html                GET  admin     S/S  D/D     D/D   D/D   D/D  D/D   D/D   A/A
lms.mail.message_eml                 GET  admin     S/S  D/D     D/D   D/D   D/D  D/D   D/D   A/A
lms.mail.part                        GET  admin     S/S  D/D     D/D   D/D   D/D  D/D   D/D   A/A
lms.mail.retry                       POST admin     S/S  D/D     D/D   D/D   D/D  D/D   D/D   A/A
# People: the directory, adding people and a person's page are for staff, over the
# organizations they coordinate (a person of another agency: 404). Editing, roles,
# invitations and the account (deactivation, reactivation): the same, for people who hold
# no role beyond the coordinator's scope (see can_manage_person).
lms.people.directory                 GET  staff     S    D       D     A     A    D     D     A
lms.people.new                       GET  staff     S    D       D     A     A    D     D     A
lms.people.new                       POST staff     S    D       D     A     A    D     D     A
lms.people.person                    GET  staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.people.edit                      GET  staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.people.edit                      POST staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.people.grant_role                POST staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.people.remove_role               POST staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.people.invite                    POST staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.people.deactivate                POST staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
lms.people.reactivate                POST staff     S/S  D/D     D/D   A/H   A/H  D/D   D/D   A/A
"""

#: Routes whose ``?organization=`` filter is the object asked about (own/other).
ORGANIZATION_FILTERED = {
    "lms.compliance.overview",
    "lms.compliance.export_csv",
    "lms.compliance.hours",
    "lms.compliance.hours_csv",
    "lms.compliance.post_roster",
}

#: Minimal form fields beyond the CSRF token, where an empty form would change state.
FORM_DATA = {
    # "active=1" keeps the course in the catalog for the checks that follow.
    "lms.scheduling.set_course_active": {"active": "1"},
}

#: POSTs that spend or replace something other checks use: sent after all others.
#: Claim links replace the world's claim tokens; new feed links replace feed tokens;
#: signing out ends the role's session.
LAST = {
    "lms.enrollment.claim_link": 1,
    "lms.calendar.new_link": 1,
    "lms.calendar.stop_feed": 1,
    "lms.auth.sign_out": 2,
}

SIGN_IN_PATH = "/training/sign-in"


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    access: str
    expected: dict[str, str]  # role -> "A" or "A/H"


def parse(table: str) -> dict[tuple[str, str], Row]:
    """The table's rows by (endpoint, method); comment lines are skipped."""
    rows: dict[tuple[str, str], Row] = {}
    lines = [line for line in table.strip().splitlines() if line.strip()]
    header = lines[0].split()
    assert header[3:] == list(ROLES), f"columns must be {ROLES}"
    for line in lines[1:]:
        if line.lstrip().startswith("#"):
            continue
        endpoint, method, access, *answers = line.split()
        assert len(answers) == len(ROLES), f"{endpoint} {method}: one answer per role"
        assert (endpoint, method) not in rows, f"{endpoint} {method} is in the table twice"
        rows[endpoint, method] = Row(endpoint, method, access, dict(zip(ROLES, answers)))
    return rows


TABLE = parse(MATRIX)


def checked_rules(app) -> list[tuple[Rule, str]]:
    """Every (rule, method) of the app that the matrix asks: GET and POST."""
    pairs = []
    for rule in app.url_map.iter_rules():
        for method in ("GET", "POST"):
            if method in rule.methods:
                pairs.append((rule, method))
    return sorted(pairs, key=lambda pair: (pair[0].endpoint, pair[1]))


def classify(response) -> str:
    """What the user saw, as a letter of the table (a 5xx is never an access answer)."""
    status = response.status_code
    if status >= 500:
        return f"{status}!"
    location = urlsplit(response.location or "")
    # Sent to sign in, to come back (signing out also lands there, but with nowhere to go).
    if status == 302 and location.path == SIGN_IN_PATH and "next" in parse_qs(location.query):
        return "S"
    return {403: "D", 404: "H"}.get(status, "A")


def signed_in_clients(app, make, world: World) -> dict[str, FormClient]:
    """One browser per role (own cookies), signed in through the real form."""
    app.test_client_class = FormClient
    clients = {"anon": app.test_client()}
    for role, person in world.people.items():
        make.set_password(person)
        client = app.test_client()
        response = client.submit(SIGN_IN_PATH, {"email": person.email, "password": make.PASSWORD})
        assert response.status_code == 302, f"{role} could not sign in"
        clients[role] = client
    return clients


@pytest.fixture
def app_config(app_config):
    """Rate limits would answer 429 to the matrix's repeated requests: they are tested apart
    (so is the reset form's time floor). The world's links are mailed outside any request:
    they need the site's public address."""
    return {
        **app_config,
        "LMS_RATELIMIT_ENABLED": False,
        "LMS_PASSWORD_RESET_ANSWER_MS": 0,
        "LMS_PUBLIC_URL": "https://training.mpd.test",
    }


def fail(title: str, lines: list[str]) -> None:
    pytest.fail(title + "\n  " + "\n  ".join(lines), pytrace=False)


def test_every_route_has_a_row(app):
    """A route added later must say, in the table, who may reach it."""
    missing = [
        f"{rule.endpoint} {method} ({rule.rule})"
        for rule, method in checked_rules(app)
        if (rule.endpoint, method) not in TABLE
    ]
    if missing:
        fail(
            "Routes without a row in the authorization matrix: add one saying who may reach "
            "each (tests/security/test_authorization_matrix.py):",
            missing,
        )
    present = {(rule.endpoint, method) for rule, method in checked_rules(app)}
    stale = sorted(f"{endpoint} {method}" for endpoint, method in TABLE.keys() - present)
    if stale:
        fail("Rows for routes the app no longer has:", stale)


def test_declared_access_matches_the_table(app):
    """Each view's allow(...) is the access its row names."""
    wrong = []
    for rule, method in checked_rules(app):
        row = TABLE.get((rule.endpoint, method))
        declared = access_of(app.view_functions[rule.endpoint])
        if row is not None and declared is not ACCESS[row.access]:
            wrong.append(
                f"{rule.endpoint} {method}: declares allow({declared.name if declared else None}),"
                f" the table says {row.access}"
            )
    if wrong:
        fail("Declared access differs from the matrix:", wrong)


def test_every_role_gets_the_answer_the_table_gives(app, make):
    """Ask every route as every role, about their own object and another's."""
    world = build_world(make)
    clients = signed_in_clients(app, make, world)
    adapter = app.url_map.bind("localhost")
    tokens = {
        role: client.csrf_token(SIGN_IN_PATH if role == "anon" else "/training/courses/")
        for role, client in clients.items()
    }

    checks = []  # (order, endpoint, method, role, which, of how many, url)
    for rule, method in checked_rules(app):
        names = set(rule.arguments)
        for role in ROLES:
            variants = path_values(world, rule.endpoint, names, role) if names else [{}]
            if rule.endpoint in ORGANIZATION_FILTERED:
                variants = [dict(query, **variants[0]) for query in query_values(world, role)]
            if len(variants) == 2 and variants[0] == variants[1]:
                variants = variants[:1]  # own and other are the same (a static file)
            for which, values in enumerate(variants):
                url = adapter.build(rule.endpoint, values, method=method)
                order = (0,) if method == "GET" else (1, LAST.get(rule.endpoint, 0))
                checks.append((order, rule.endpoint, method, role, which, len(variants), url))
    checks.sort(key=lambda check: check[0])  # GETs, then POSTs; spending POSTs last

    observed: dict[tuple[str, str, str], list[str]] = {}
    for _, endpoint, method, role, which, count, url in checks:
        client = clients[role]
        if method == "GET":
            response = client.get(url)
        else:
            data = {"csrf_token": tokens[role], **FORM_DATA.get(endpoint, {})}
            response = client.post(url, data=data)
        observed.setdefault((endpoint, method, role), [""] * count)[which] = classify(response)

    mismatches = []
    for endpoint, method, role in sorted(observed, key=lambda k: (k[0], k[1], ROLES.index(k[2]))):
        got = "/".join(observed[endpoint, method, role])
        row = TABLE.get((endpoint, method))
        if row is not None and row.expected[role] != got:
            mismatches.append(
                f"{endpoint} {method} as {ROLE_NAMES[role]}: "
                f"expected {row.expected[role]}, got {got}"
            )
    if mismatches:
        fail(
            f"{len(mismatches)} of {len(checks)} answers differ from the authorization matrix "
            "(own/other; A allowed, D 403, H 404, S sign in):",
            mismatches,
        )
