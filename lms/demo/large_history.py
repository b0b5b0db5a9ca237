"""The large demo's five years: sessions, enrollments, records, certificates, audit trail.

:func:`build` yields ``(table, rows)`` in the order the foreign keys need, one
table at a time, so no more than one table's rows are held at once. Officers
take the ALERRT refresher once a year (a few miss one: no-shows, cancellations,
so their cycles lapse); instructors hold imported ALERRT cycles and the
instructor certification, imported and renewed by a class of the last 30
months; community participants attend CRASE and school-staff classes with
their group. Sessions
still to come have enrollments and nothing else, and so do those of the last
``OPEN_ROSTER_DAYS``: held, their rosters still open for attendance and
finalizing (what the load test's instructors do).
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..credentials import signing
from ..credentials.keys import SigningKey
from ..dates import add_months

TZ_NAME = "America/Denver"
_TZ = ZoneInfo(TZ_NAME)
AHEAD_DAYS = 90
#: Sessions of the last two weeks were held but their rosters are not finalized yet.
OPEN_ROSTER_DAYS = 14
DEPARTMENT_NAME = "Big Sky Regional Training Center"


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=_TZ).astimezone(UTC)


class _Plan:
    """The sessions, with their course, day, lead instructor and the people enrolled."""

    def __init__(self, cast, rng, today: date, courses):
        shape = cast.shape
        self.today, self.rng, self.cast = today, rng, cast
        self.courses = {c[0]: c for c in courses}
        start = today - timedelta(days=365 * shape.years)
        span = (today + timedelta(days=AHEAD_DAYS) - start).days
        seats = max(1, round(shape.enrollments / shape.sessions))
        n_alerrt = max(shape.years, math.ceil(len(cast.officers) * shape.years / seats))
        n_instr = max(1, math.ceil(len(cast.instructors) / 15))
        n_civilian = max(2, shape.sessions - n_alerrt - n_instr)
        civilian_seats = max(
            1, (shape.enrollments - len(cast.officers) * shape.years - len(cast.instructors))
        )
        per_civilian = max(1, min(len(cast.participants), civilian_seats // n_civilian))
        self.sessions: list[list] = []  # [id, course id, day, lead, [person ids]]

        def days(n, first, length):
            return sorted(first + timedelta(days=rng.randrange(length)) for _ in range(n))

        # The last refresher is always still to come: officers have a class ahead of them.
        alerrt_days = days(n_alerrt, start, span)
        alerrt_days[-1] = max(alerrt_days[-1], today + timedelta(days=30))
        alerrt = [self._add(1, d) for d in alerrt_days]
        for year in range(shape.years):
            chunk = alerrt[year * n_alerrt // shape.years : (year + 1) * n_alerrt // shape.years]
            officers = list(cast.officers)
            rng.shuffle(officers)
            for n, pid in enumerate(officers):
                chunk[n % len(chunk)][4].append(pid)
        recent = today - timedelta(days=900)
        for n, session in enumerate(self._add(2, d) for d in days(n_instr, recent, 870)):
            session[4].extend(cast.instructors[n::n_instr])
        schools = [p for p, g in cast.participant_group.items() if g in set(cast.school_groups)]
        for day in days(n_civilian, start, span):
            course = 4 if schools and rng.random() < 0.3 else 3
            pool = schools if course == 4 else cast.participants
            self._add(course, day)[4].extend(rng.sample(pool, min(len(pool), per_civilian)))
        self.sessions.sort(key=lambda s: s[2])
        for n, session in enumerate(self.sessions, start=1):
            session[0] = n

    def _add(self, course_id: int, day: date) -> list:
        lead = self.rng.choice(self.cast.instructors)
        session = [0, course_id, day, lead, []]
        self.sessions.append(session)
        return session


def build(cast, rng, today: date, now: datetime, courses, signer: SigningKey) -> Iterator:
    """Yield ``(table name, rows)`` for the history, parents before children."""
    plan = _Plan(cast, rng, today, courses)
    settled = today - timedelta(days=OPEN_ROSTER_DAYS)  # rosters finalized before this day
    groups = {g: cast.coordinators[n] for n, g in enumerate(cast.group_ids())}
    names = {pid: f"Instructor {n:03d}" for n, pid in enumerate(cast.instructors, start=1)}
    yield (
        "lms_session",
        [
            {
                "id": sid,
                "course_id": course,
                "organization_id": 1,
                "timezone": TZ_NAME,
                "location": f"Training room {sid % 7 + 1}",
                "capacity": len(people) + 5,
                "status": "completed" if day < settled else "scheduled",
                "is_public": course == 3,
                "notes": "",
                "revision": 0,
                "revised_at": now,
                "roster_finalized_at": _at(day, 18) if day < settled else None,
                "roster_finalized_by_id": lead if day < settled else None,
                "created_at": _at(day - timedelta(days=60), 9),
                "created_by_id": 2,
            }
            for sid, course, day, lead, people in plan.sessions
        ],
    )
    yield (
        "lms_meeting",
        [
            {
                "id": s[0],
                "session_id": s[0],
                "starts_at": _at(s[2], 8),
                "ends_at": _at(s[2], 16),
                "uid": uuid.UUID(int=rng.getrandbits(128)).hex,
            }
            for s in plan.sessions
        ],
    )
    yield (
        "lms_session_instructor",
        [{"session_id": s[0], "person_id": s[3], "role": "lead"} for s in plan.sessions],
    )
    # Enrollments and their outcome, kept as compact tuples for the tables after them.
    enrollments = []
    for sid, course, day, lead, people in plan.sessions:
        for pid in people:
            roll = rng.random() if day < settled else None
            status = (
                "enrolled" if roll is None
                else "cancelled" if roll < 0.04
                else "no_show" if roll < 0.10
                else "completed"
            )  # fmt: skip
            enrollments.append((len(enrollments) + 1, sid, course, day, lead, pid, status))
    org_of = {**cast.officer_agency, **cast.participant_group}
    yield (
        "lms_enrollment",
        [
            {
                "id": eid,
                "session_id": sid,
                "person_id": pid,
                "organization_id": org_of.get(pid, 1),
                "status": status,
                "source": "group" if pid in cast.participant_group else "self",
                "enrolled_by_id": groups.get(org_of.get(pid), pid),
                "created_at": _at(day - timedelta(days=21), 10),
                "status_changed_at": _at(day, 17),
                "cancelled_at": _at(day - timedelta(days=3), 10) if status == "cancelled" else None,
                "cancel_reason": "Shift change" if status == "cancelled" else None,
            }
            for eid, sid, course, day, lead, pid, status in enrollments
        ],
    )
    yield (
        "lms_attendance",
        [
            {
                "enrollment_id": eid,
                "meeting_id": sid,
                "present": status == "completed",
                "recorded_by_id": lead,
                "recorded_at": _at(day, 16),
            }
            for eid, sid, _, day, lead, _, status in enrollments
            if status in ("completed", "no_show")
        ],
    )
    completed = [e for e in enrollments if e[6] == "completed"]
    yield (
        "lms_completion",
        [
            {
                "id": eid,
                "enrollment_id": eid,
                "person_id": pid,
                "course_id": course,
                "session_id": sid,
                "completed_on": day,
                "credit_hours": plan.courses[course][4],
                "rule_key": "attendance",
                "recorded_by_id": lead,
                "created_at": _at(day, 18),
            }
            for eid, sid, course, day, lead, pid, _ in completed
        ],
    )
    cycles, expiry = _cycles(cast, plan, completed, today, now)
    yield "lms_certification", cycles
    yield "lms_certificate", _certificates(cast, plan, completed, expiry, names, signer, now)
    yield "lms_audit_event", _audit(cast, rng, plan, enrollments, settled, now)


def _cycles(cast, plan, completed, today, now):
    """Certification cycles: one per refresher/instructor completion, chained per person."""
    rows, expiry, last = [], {}, {}

    def cycle(pid, track, granted, months, **source):
        previous = last.get((pid, track))
        cycle_id = len(rows) + 1
        expires = add_months(granted, months)
        rows.append(
            {
                "id": cycle_id,
                "person_id": pid,
                "track_id": track,
                "cycle": (rows[previous - 1]["cycle"] + 1) if previous else 1,
                "granted_on": granted,
                "valid_from": granted,
                "expires_on": expires,
                "previous_id": previous,
                "created_at": now,
                **source,
            }
        )
        last[(pid, track)] = cycle_id
        return expires

    # Instructors brought their ALERRT history along: a cycle a year, the last one current.
    for pid in cast.instructors:
        granted = today - timedelta(days=365 * plan.cast.shape.years - pid % 300)
        while granted <= today:
            cycle(pid, 1, granted, 12, source="imported", completion_id=None)
            granted = add_months(granted, 12) - timedelta(days=20)
    # ... and the instructor certification, renewed every 36 months back to before the
    # history, the last one running out 60 days after their class here: whoever leads
    # a session holds it current that day, as finalizing its roster asks.
    first = today - timedelta(days=365 * plan.cast.shape.years)
    class_day = {pid: s[2] for s in plan.sessions if s[1] == 2 for pid in s[4]}
    for pid in cast.instructors:
        grants = [add_months(class_day.get(pid, today), -36) + timedelta(days=60)]
        while grants[-1] > first:
            grants.append(add_months(grants[-1], -36))
        for granted in reversed(grants):
            cycle(pid, 2, granted, 36, source="imported", completion_id=None)
    for eid, _, course, day, _, pid, _ in completed:
        track = plan.courses[course][5]
        if track:
            months = 12 if track == 1 else 36
            expiry[eid] = cycle(pid, track, day, months, source="completion", completion_id=eid)
    return rows, expiry


def _serial(rng) -> str:
    bits = rng.getrandbits(5 * signing.SERIAL_LENGTH)
    return "".join(signing.SERIAL_ALPHABET[(bits >> (5 * i)) & 31] for i in range(28))


class _Facts:
    """The signed fields of one certificate (:class:`signing.CertificateFacts`)."""

    def __init__(self, row: dict):
        self.__dict__.update(row)


def _certificates(cast, plan, completed, expiry, names, signer, now):
    people = {pid: f"Officer {n:05d}" for n, pid in enumerate(cast.officers, start=1)}
    people.update(names)
    people.update({pid: f"Participant {n:05d}" for n, pid in enumerate(cast.participants, start=1)})
    rows = []
    for eid, _, course, day, lead, pid, _ in completed:
        _, code, title, _, hours, _, _, _, layout = plan.courses[course]
        row = {
            "id": eid,
            "serial": _serial(plan.rng),
            "completion_id": eid,
            "person_id": pid,
            "course_id": course,
            "organization_id": 1,
            "holder_name": people[pid],
            "issued_on": day,
            "expires_on": expiry.get(eid),
            "signer_id": lead,
            "layout_key": layout,
            "status": "issued",
            "course_code": code,
            "course_title": title,
            "organization_name": DEPARTMENT_NAME,
            "completed_on": day,
            "credit_hours": hours,
            "instructor_name": names[lead],
            "signer_name": names[lead],
            "key_id": signer.key_id,
            "created_at": now,
        }
        facts = _Facts({**row, "signature": None})
        row["signature"] = signer.sign(signing.message(signing.signed_fields(facts)))
        rows.append(row)
    return rows


def _audit(cast, rng, plan, enrollments, settled, now):
    """Audit events as (columns, tuples): what the records say happened, then sign-ins."""
    columns = (
        "occurred_at", "actor_id", "action", "object_type", "object_id", "organization_id",
        "source_address", "details", "subject_person_id",
    )  # fmt: skip
    events = []
    for eid, sid, course, day, lead, pid, status in enrollments:
        at = _at(day - timedelta(days=21), 10)
        details = json.dumps({"session_id": sid, "person_id": pid, "status": "enrolled"})
        events.append(
            (at, pid, "enrollment.created", "Enrollment", str(eid), 1, None, details, pid)
        )
        if status == "cancelled":
            details = json.dumps({"session_id": sid, "reason": "Shift change"})
            at = _at(day - timedelta(days=3), 10)
            events.append((at, pid, "enrollment.cancelled", "Enrollment", str(eid), 1, None,
                           details, pid))  # fmt: skip
        elif status == "completed":
            code, hours = plan.courses[course][1], plan.courses[course][4]
            details = json.dumps(
                {"session_id": sid, "course": code, "completed_on": day.isoformat(),
                 "credit_hours": str(hours)}
            )  # fmt: skip
            at = _at(day, 18)
            events.append((at, lead, "completion.recorded", "Completion", str(eid), 1, None,
                           details, pid))  # fmt: skip
            details = json.dumps({"completion_id": eid, "holder": "", "serial": ""})
            events.append((at, lead, "certificate.issued", "Certificate", str(eid), 1, None,
                           details, pid))  # fmt: skip
    for sid, _, day, lead, _ in plan.sessions:
        if day < settled:
            details = json.dumps({"session_id": sid})
            events.append((_at(day, 18), lead, "roster.finalized", "CourseSession", str(sid), 1,
                           None, details, None))  # fmt: skip
    signers = [*cast.instructors, *cast.officers, *cast.coordinators]
    start = now - timedelta(days=365 * cast.shape.years)
    span = int((now - start).total_seconds())
    for _ in range(max(0, cast.shape.audit_events - len(events))):
        pid = rng.choice(signers)
        at = start + timedelta(seconds=rng.randrange(span))
        events.append((at, pid, "auth.sign_in", "Person", str(pid), None, "10.0.0.1", "{}", pid))
    return columns, events
