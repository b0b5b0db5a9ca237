"""Writes of the imports feature: applying a plan, all of it or nothing.

An apply is handed the plan computed again from the stored file, never the
preview's page: the view checks it still matches what the preview showed.
Rows are written in bulk (an HR export has thousands). Operations flush and
audit; the caller commits, or rolls back on any error, so nothing is half
written.
"""

from __future__ import annotations

from sqlalchemy import insert, update

from ..bulk import bulk_insert
from ..core import audit, db_session
from ..models import Person, PriorTraining, RoleAssignment, utcnow
from ..people.operations import deactivate_person
from ..status.operations import record_imported_cycles
from ..status.population import cyclic_gc_paused
from .people import PeoplePlan
from .records import RecordsPlan
from .uploads import StoredUpload


class ImportRefused(Exception):
    """The plan has problems: nothing is written."""


def _file(upload: StoredUpload) -> dict:
    return {"file": upload.filename, "sha256": upload.sha256}


def apply_people(plan: PeoplePlan, upload: StoredUpload, actor: Person | None) -> dict[str, int]:
    """Create, update and deactivate the people ``plan`` lists; returns its counts."""
    if not plan.can_apply:
        raise ImportRefused("the file has problems; nothing was imported")
    session = db_session()
    actor_id = actor.id if actor else None
    created: list[int] = []
    if plan.creations:
        created = session.scalars(
            insert(Person).returning(Person.id, sort_by_parameter_order=True),
            [{**c.values, "created_by_id": actor_id} for c in plan.creations],
        ).all()
    if plan.role is not None:
        grants = [
            *zip(created, (c.values["organization_id"] for c in plan.creations), strict=True),
            *plan.role_grants,
        ]
        if grants:
            now = utcnow()
            session.execute(
                insert(RoleAssignment),
                [
                    {
                        "person_id": person_id,
                        "role": plan.role,
                        "organization_id": organization_id,
                        "granted_at": now,
                        "granted_by_id": actor_id,
                    }
                    for person_id, organization_id in grants
                ],
            )
    if plan.updates:
        session.execute(update(Person), [{"id": u.person_id, **u.values} for u in plan.updates])
    session.flush()
    reason = f"Not in the HR file {upload.filename} imported for {plan.deactivating_in}."
    for departed in plan.departures:
        deactivate_person(session.get(Person, departed["id"]), reason=reason, actor=actor)
    counts = plan.counts()
    audit(
        "import.people",
        actor=actor,
        object_type="Import",
        object_id=upload.sha256[:16],
        organization_id=plan.deactivating_in.id if plan.deactivating_in else None,
        details={**_file(upload), **counts, "role": plan.role.value if plan.role else None},
    )
    session.flush()
    return counts


@cyclic_gc_paused()  # a row per record to write: small objects, no cycles
def apply_records(plan: RecordsPlan, upload: StoredUpload, actor: Person | None) -> dict[str, int]:
    """Record the past training ``plan`` lists, and the IMPORTED cycles it earns."""
    if not plan.can_apply:
        raise ImportRefused("the file has problems; nothing was imported")
    with_track = [r for r in plan.new if r.cycle is not None]
    cycle_ids, report = record_imported_cycles(
        [(r.person_id, r.track, r.completed_on) for r in with_track],
        [r.cycle for r in with_track],
        actor,
    )
    cycle_of = {id(r): ident for r, ident in zip(with_track, cycle_ids, strict=True)}
    actor_id = actor.id if actor else None
    if plan.new:
        bulk_insert(
            PriorTraining.__table__,
            [
                {
                    "person_id": r.person_id,
                    "course_id": r.course.id if r.course else None,
                    "track_id": r.track.id if r.track else None,
                    "title": r.title,
                    "completed_on": r.completed_on,
                    "credit_hours": r.hours,
                    "instructor_name": r.instructor,
                    "prior_certificate_number": r.certificate_number,
                    "source_system": r.source_system,
                    "certification_id": cycle_of.get(id(r)),
                    "fingerprint": r.fingerprint,
                    "imported_by_id": actor_id,
                }
                for r in plan.new
            ],
        )
    counts = {
        **plan.counts(),
        "cycles replanned": len(report.revoked),
        "people": len({r.person_id for r in plan.new}),
    }
    audit(
        "import.records",
        actor=actor,
        object_type="Import",
        object_id=upload.sha256[:16],
        details={**_file(upload), **counts, "replanning": report.notes[:50]},
    )
    db_session().flush()
    return counts
