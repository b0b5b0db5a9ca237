"""The course catalog, course pages and the session list."""

from __future__ import annotations

from flask import abort, render_template

from .. import panels
from ..auth.policy import PUBLIC, allow
from ..core import acting_person
from ..paging import page_number
from . import queries


@allow(PUBLIC)
def course_list():
    viewer = acting_person()
    return render_template("lms/catalog/course_list.html", courses=queries.visible_courses(viewer))


@allow(PUBLIC)
def course_detail(code: str):
    viewer = acting_person()
    course = queries.course_by_code(code, viewer)
    if course is None:
        abort(404)
    sessions = queries.upcoming_sessions(viewer, course, include_cancelled=True)
    return render_template("lms/catalog/course_detail.html", course=course, sessions=sessions)


@allow(PUBLIC)
def session_list():
    viewer = acting_person()
    listing = queries.upcoming_page(viewer, page_number(), include_cancelled=True)
    return render_template("lms/catalog/session_list.html", sessions=listing.items, listing=listing)


@allow(PUBLIC)
def session_detail(session_id: int):
    viewer = acting_person()
    session = queries.session_by_id(session_id, viewer)
    if session is None:
        abort(404)
    return render_template(
        "lms/catalog/session_detail.html",
        session=session,
        panels=panels.session_page.render(viewer, session),
    )
