"""A second stamp: everyone's certification standing, for the compliance report's cache.

- ``lms_catalog_stamp`` gains row 2, the *standing* stamp, whose ``token`` becomes a
  new random number whenever a row changes that decides who is counted on which
  track and in which state: a certification cycle (granted, revoked, its dates),
  an assignment of a role a track can require (officer, instructor:
  ``lms.status.routes.ROLE_FOR_AUDIENCE``), a track, or a person's name, badge,
  organization or whether they are active. A new person alone changes nothing (they
  count once they hold such a role or a cycle, whose rows change the stamp), nor does
  a participant's role: the public's registrations and the groups' rosters, most of
  a day's writes, leave the report as it was kept. :mod:`lms.site_cache` keeps the
  compliance report's counts and pages under it (and the catalog's token), so a
  department's report is worked out once per change rather than once per page.

Random tokens, for the reasons of 0017. Unlike the catalog's, this stamp changes
with everyday writes (a roster finalized, a certificate revoked), so on PostgreSQL
its row must not be locked for the rest of each writing transaction: the trigger
is a *deferred* constraint trigger, which runs at commit, once per transaction (a
transaction-local setting remembers that it ran), and holds the row's lock only
from there to the commit's end. Until then the writer's own transaction reads
around the cache (``site_cache`` knows it wrote). SQLite, with one writer at a
time, uses row triggers as in 0017.

Revision ID: 0020
Revises: 0019
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLE = "lms_catalog_stamp"
STAMP_ID = 2

#: The roles a track can require of its holders (``ROLE_FOR_AUDIENCE``'s values).
REQUIRED_ROLES = ("officer", "instructor")
_ROLES = ", ".join(f"'{role}'" for role in REQUIRED_ROLES)

#: (table, event, the columns whose update counts or None for any, the rows that count
#: or None for all)
SOURCES = [
    *(("lms_certification", event, None, None) for event in ("INSERT", "UPDATE", "DELETE")),
    *(("lms_certification_track", event, None, None) for event in ("INSERT", "UPDATE", "DELETE")),
    ("lms_role_assignment", "INSERT", None, f"NEW.role IN ({_ROLES})"),
    ("lms_role_assignment", "UPDATE", None, f"OLD.role IN ({_ROLES}) OR NEW.role IN ({_ROLES})"),
    ("lms_role_assignment", "DELETE", None, f"OLD.role IN ({_ROLES})"),
    ("lms_person", "UPDATE", ("full_name", "badge_number", "organization_id", "active"), None),
    ("lms_person", "DELETE", None, None),
]


def _name(table: str, event: str) -> str:
    return f"{table}_standing_stamp_{event.lower()}"


def _event_clause(event: str, columns) -> str:
    if event == "UPDATE" and columns:
        return "UPDATE OF " + ", ".join(columns)
    return event


def upgrade() -> None:
    op.execute(f"INSERT INTO {TABLE} (id, token) VALUES ({STAMP_ID}, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION lms_standing_stamp_bump() RETURNS trigger AS $$\n"
            "BEGIN\n"
            "IF current_setting('lms.standing_stamp_bumped', true) = 'yes' THEN\n"
            "RETURN NULL;\nEND IF;\n"
            "PERFORM set_config('lms.standing_stamp_bumped', 'yes', true);\n"
            f"UPDATE {TABLE} SET token = (random() * 9.2e18)::bigint WHERE id = {STAMP_ID};\n"
            "RETURN NULL;\nEND;\n$$ LANGUAGE plpgsql"
        )
        for table, event, columns, rows in SOURCES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {_name(table, event)} "
                f"AFTER {_event_clause(event, columns)} ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                + (f"WHEN ({rows}) " if rows else "")
                + "EXECUTE FUNCTION lms_standing_stamp_bump()"
            )
        return
    for table, event, columns, rows in SOURCES:
        op.execute(
            f"CREATE TRIGGER {_name(table, event)} "
            f"AFTER {_event_clause(event, columns)} ON {table} FOR EACH ROW "
            + (f"WHEN {rows} " if rows else "")
            + f"BEGIN UPDATE {TABLE} SET token = random() WHERE id = {STAMP_ID}; END"
        )


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, event, _, _ in SOURCES:
        on = f" ON {table}" if postgres else ""
        op.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)}{on}")
    if postgres:
        op.execute("DROP FUNCTION IF EXISTS lms_standing_stamp_bump()")
    op.execute(f"DELETE FROM {TABLE} WHERE id = {STAMP_ID}")
