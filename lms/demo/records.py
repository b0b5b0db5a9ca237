"""What running the department adds to the demo, done through the same operations as the pages.

- History from the previous records system: a few officers' ALERRT training
  of earlier years, imported from the file that system exported (the records
  import of :mod:`lms.imports`, as ``flask lms import records`` runs it),
  each line marked with the system it came from.
- An officer who retired: deactivated with the reason; his records stay.
- A track edited once: the administrator widened the ALERRT renewal window
  (officers still show as due soon from 60 days), so the track's history shows
  its creation and that change.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import replace
from datetime import timedelta

from ..imports.operations import apply_records
from ..imports.records import TEMPLATE_HEADERS, plan_records
from ..imports.uploads import StoredUpload
from ..people.operations import deactivate_person
from ..programs.operations import update_track
from .courses import Catalog
from .people import Cast
from .world import World

#: The system the imported history comes from, as its lines name it.
SOURCE_SYSTEM = "Legacy RMS training module"
EXPORT_NAME = "rms-training-export.csv"
ALERRT_CENTER = "ALERRT Center, Texas State University"
OLD_INSTRUCTOR = "Lt. Ray Donnelly"
RETIRED_DAYS_AGO = 60


def _history_lines(cast: Cast) -> list[tuple]:
    """(person, course, track, title, days ago, hours, instructor, certificate prefix)."""

    def level_one(person, days_ago: int) -> tuple:
        title = "ALERRT Active Shooter Level I (basic course)"
        return (person, "", "ALERRT", title, days_ago, 16, ALERRT_CENTER, "AL")

    def refresher(person, days_ago: int, instructor: str) -> tuple:
        return (person, "ALERRT-REFRESH", "", "", days_ago, 8, instructor, "RMS")

    rivera, clearwater, fisk, pruitt = cast.sros[0], cast.sros[1], cast.patrol[0], cast.retiree
    hayes, okafor = cast.hayes.full_name, cast.okafor.full_name
    return [
        level_one(rivera, 1860),
        refresher(rivera, 1495, OLD_INSTRUCTOR),
        refresher(rivera, 1130, OLD_INSTRUCTOR),
        refresher(rivera, 765, hayes),
        refresher(clearwater, 1120, OLD_INSTRUCTOR),
        refresher(clearwater, 760, hayes),
        refresher(fisk, 770, okafor),
        level_one(pruitt, 2230),
        refresher(pruitt, 1500, OLD_INSTRUCTOR),
        refresher(pruitt, 1135, OLD_INSTRUCTOR),
        refresher(pruitt, 755, okafor),
    ]


def export_file(world: World, cast: Cast) -> bytes:
    """The CSV the previous records system exported, in the import template's columns."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(TEMPLATE_HEADERS)
    for number, line in enumerate(_history_lines(cast), start=101):
        person, course, track, title, days_ago, hours, instructor, prefix = line
        day = world.today - timedelta(days=days_ago)
        certificate = f"{prefix}-{day.year}-{number:04d}"
        writer.writerow(
            [person.employee_number, "", course, track, title, day.isoformat(), hours,
             instructor, certificate, SOURCE_SYSTEM]
        )  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def import_history(world: World, cast: Cast) -> dict[str, int]:
    """Import the previous system's file as the administrator would; returns its counts."""
    data = export_file(world, cast)
    plan = plan_records(data, EXPORT_NAME, scope=None)
    if not plan.can_apply:
        raise RuntimeError(
            "the demo's history file has problems: " + "; ".join(map(str, plan.problems))
        )
    upload = StoredUpload(
        "demo", "records", EXPORT_NAME, hashlib.sha256(data).hexdigest(), cast.admin.id
    )
    return apply_records(plan, upload, cast.admin)


def retire(world: World, cast: Cast) -> None:
    """The officer who retired: no more sign-ins, his history kept."""
    day = world.today - timedelta(days=RETIRED_DAYS_AGO)
    deactivate_person(
        cast.retiree,
        reason=f"Retired on {day.day} {day:%B %Y} after 24 years of service.",
        actor=cast.admin,
    )


def edit_track(world: World, cast: Cast, catalog: Catalog) -> None:
    """The administrator opens ALERRT renewal 90 days before expiry instead of 60.

    Officers still show as due soon from 60 days: the two windows differ.
    """
    update_track(catalog.alerrt, replace(catalog.alerrt_draft, renewal_window_days=90), cast.admin)
