"""Calendar files and feeds over HTTP, the feeds page, and the panels on shared pages."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ..auth.policy import PUBLIC, SIGNED_IN, allow, current_person
from ..catalog import queries as catalog_queries
from ..core import acting_person, db_session, local_today
from ..models import Audience, CourseSession, Person
from . import certification_queries, operations, private_queries, queries, render, web_links
from .forms import NewFeedLinkForm, StopFeedForm

CALENDAR_TYPE = "text/calendar; charset=utf-8"
#: What ``?include=`` may name in a private feed (default: all of it).
_PRIVATE_PARTS = ("enrolled", "teaching", "certifications")


# --- HTTP helpers -----------------------------------------------------------


def _etag(kind: str, *parts: Any) -> str:
    """A feed's ETag: its data's fingerprint plus everything else that shapes its bytes."""
    config = current_app.config
    return queries.fingerprint_hash(
        (
            render.FORMAT_VERSION,
            kind,
            url_for("lms.calendar.index", _external=True),
            config["LMS_SITE_NAME"],
            config["LMS_DEPARTMENT_NAME"],
            config["LMS_TIMEZONE"],
            current_app.config["LMS_CALENDAR_REFRESH_MINUTES"],
            *parts,
        )
    )


def _calendar_response(
    body: bytes | None,
    etag: str,
    *,
    private: bool,
    filename: str,
    attachment: bool = False,
) -> Response:
    """200 with the calendar, or 304 when ``body`` is None; headers fit for feeds."""
    response = Response(body or b"", status=200 if body is not None else 304)
    if body is not None:
        response.headers["Content-Type"] = CALENDAR_TYPE
        disposition = "attachment" if attachment else "inline"
        response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    else:
        response.headers.pop("Content-Type", None)
    response.set_etag(etag)
    # Clients revalidate every time (a 304 is cheap); private feeds stay out of shared caches.
    response.headers["Cache-Control"] = "private, no-cache" if private else "public, no-cache"
    # A feed URL may carry a token: never pass it on in a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    if private:
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _not_modified(etag: str) -> bool:
    return request.if_none_match.contains_weak(etag)


def _list_filter(name: str, allowed: dict[str, Any]) -> frozenset | None:
    """A comma-separated filter from the query string; 400 naming the bad value."""
    raw = request.args.getlist(name)
    if not raw:
        return None
    values = [value.strip() for item in raw for value in item.split(",")]
    choices = ", ".join(allowed)
    if not all(values):
        abort(
            400, description=f"The {name} filter has an empty value. Use one or more of: {choices}."
        )
    for value in values:
        if value not in allowed:
            shown = value if len(value) <= 40 else value[:40] + "…"
            abort(
                400,
                description=f"Unknown {name}: {shown}. Use one or more of: {choices}, "
                "separated by commas.",
            )
    return frozenset(allowed[value] for value in values)


def _session_url_maker() -> Callable[[int], str]:
    """Session page URLs without a url_for per event (a 1,000-event feed needs them fast)."""
    sentinel = "918273645"
    template = url_for("lms.catalog.session_detail", session_id=int(sentinel), _external=True)
    head, tail = template.split(sentinel)
    return lambda session_id: f"{head}{session_id}{tail}"


def _info(name: str | None, description: str | None, **kw: Any) -> render.CalendarInfo:
    return render.CalendarInfo(
        timezone=current_app.config["LMS_TIMEZONE"], name=name, description=description, **kw
    )


def _feed_info(name: str, description: str, *, source: str | None) -> render.CalendarInfo:
    return _info(
        name,
        description,
        refresh=timedelta(minutes=current_app.config["LMS_CALENDAR_REFRESH_MINUTES"]),
        url=url_for("lms.calendar.index", _external=True),
        source=source,
    )


def _safe_filename(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "calendar"


# --- the per-session file ---------------------------------------------------


@allow(PUBLIC)
def session_ics(session_id: int):
    """Every meeting of one session as a file to import (same access as the session page)."""
    session = catalog_queries.session_by_id(session_id, acting_person())
    if session is None:
        abort(404)
    if not session.meetings:
        abort(404, description="This session has no meetings scheduled yet.")
    course = session.course
    etag = _etag(
        "session",
        session.id,
        session.revision,
        session.revised_at,
        session.status.value,
        session.timezone,
        session.location,
        session.cancel_reason,
        course.code,
        course.title,
        tuple(
            (m.id, m.uid, m.sequence, m.starts_at, m.ends_at, m.location) for m in session.meetings
        ),
    )
    private = not session.is_public
    # The local date: a 6 pm class in Denver starts on the next day in UTC.
    filename = _safe_filename(f"{course.code.lower()}-{session.first_day:%Y-%m-%d}") + ".ics"
    if _not_modified(etag):
        return _calendar_response(None, etag, private=private, filename=filename)
    url = url_for("lms.catalog.session_detail", session_id=session.id, _external=True)
    body = render.session_calendar(session, url=url, info=_info(None, None))
    return _calendar_response(body, etag, private=private, filename=filename, attachment=True)


# --- public feeds -----------------------------------------------------------


def _public_feed(
    selection: queries.PublicSelection,
    window: queries.FeedWindow,
    etag: str,
    name: str,
    description: str,
    source: str,
):
    if _not_modified(etag):
        return _calendar_response(None, etag, private=False, filename="sessions.ics")
    entries = queries.public_meetings(selection, window)
    info = _feed_info(name, description, source=source)
    body = render.calendar_bytes(info, entries, session_url=_session_url_maker())
    return _calendar_response(body, etag, private=False, filename="sessions.ics")


@allow(PUBLIC)
def public_feed():
    """All public sessions (``?audience=civilians,school_staff`` narrows it)."""
    audiences = _list_filter("audience", {a.value: a for a in Audience})
    selection = queries.PublicSelection(audiences=audiences)
    window = queries.current_window(local_today())
    source_args = {"audience": ",".join(sorted(audiences))} if audiences else {}
    source = url_for("lms.calendar.public_feed", _external=True, **source_args)
    etag = _etag("public", source, queries.public_fingerprint(selection, window))
    site = current_app.config["LMS_SITE_NAME"]
    department = current_app.config["LMS_DEPARTMENT_NAME"]
    if audiences:
        labels = ", ".join(a.label for a in sorted(audiences))
        name = f"{site}: public sessions ({labels})"
    else:
        name = f"{site}: public sessions"
    description = f"Public training sessions of the {department}, open for registration."
    return _public_feed(selection, window, etag, name, description, source)


@allow(PUBLIC)
def course_feed(code: str):
    """The public sessions of one public course."""
    course = queries.public_course(code)
    if course is None:
        abort(404)
    selection = queries.PublicSelection(course_id=course.id)
    source = url_for("lms.calendar.course_feed", code=course.code, _external=True)
    window = queries.current_window(local_today())
    fingerprint = queries.public_fingerprint(selection, window)
    etag = _etag("course", source, course.code, course.title, fingerprint)
    site = current_app.config["LMS_SITE_NAME"]
    description = f"Public sessions of {course.title_with_code}."
    return _public_feed(selection, window, etag, f"{site}: {course.title}", description, source)


# --- the private feed -------------------------------------------------------


@allow(PUBLIC)
def private_feed(token: str):
    """A person's own sessions, teaching and certification dates, by secret link."""
    owner = private_queries.feed_owner(token)
    if owner is None:
        abort(404)  # unknown, revoked, malformed or deactivated: the same answer
    parts = _list_filter("include", {part: part for part in _PRIVATE_PARTS})
    selection = (
        private_queries.PrivateSelection(**{part: part in parts for part in _PRIVATE_PARTS})
        if parts
        else private_queries.PrivateSelection()
    )
    if not owner.teaches:
        selection = dataclasses.replace(selection, teaching=False)
    key = certification_queries.uid_key(current_app.config["SECRET_KEY"])
    today = local_today()
    # The feed's data moves on with its owner's change log, its window and
    # certification states with the date: a revalidation reads nothing else.
    etag = _etag("private", owner, selection, queries.fingerprint_hash([key]), today)
    if _not_modified(etag):
        return _calendar_response(None, etag, private=True, filename="my-training.ics")
    person_id = owner.person_id
    window = queries.current_window(today)
    history = (
        certification_queries.certification_history(person_id, today)
        if selection.certifications
        else ()
    )
    meetings = private_queries.private_meetings(person_id, selection, window)
    certifications = certification_queries.certification_entries(
        person_id, today, history, key, url_for("lms.dashboard.home", _external=True)
    )
    site = current_app.config["LMS_SITE_NAME"]
    info = _feed_info(
        f"{site}: my training",
        "Your sessions, the classes you teach and your certification due dates. "
        "This calendar's link is private: do not share it.",
        source=None,  # the link is a secret; it is not written into the file
    )
    body = render.calendar_bytes(info, meetings, certifications, session_url=_session_url_maker())
    return _calendar_response(body, etag, private=True, filename="my-training.ics")


# --- the feeds page and the private link ------------------------------------


def _links(https_url: str) -> dict[str, str]:
    webcal = "webcal://" + https_url.split("://", 1)[1]
    return {
        "https": https_url,
        "webcal": webcal,
        "google": "https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
    }


def _page(new_link: dict[str, str] | None = None):
    person = acting_person()
    public = {
        "all": _links(url_for("lms.calendar.public_feed", _external=True)),
        "community": _links(
            url_for("lms.calendar.public_feed", audience="civilians,school_staff", _external=True)
        ),
    }
    courses = [
        (course, _links(url_for("lms.calendar.course_feed", code=course.code, _external=True)))
        for course in queries.public_courses()
    ]
    response = Response(
        render_template(
            "lms/calendar/index.html",
            public=public,
            courses=courses,
            person=person,
            has_feed=bool(person and person.calendar_token_hash),
            new_link=new_link,
            new_form=NewFeedLinkForm(formdata=None),
            stop_form=StopFeedForm(formdata=None),
        )
    )
    if new_link is not None:
        # The only page that shows a token: keep it out of caches and Referer headers.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


@allow(PUBLIC)
def index():
    """Calendar feeds: the public ones, and the signed-in person's private one."""
    return _page()


@allow(SIGNED_IN)
def new_link():
    """Create or replace the private feed link and show it, this once."""
    form = NewFeedLinkForm()
    if not form.validate_on_submit():
        abort(400, description="The form was not sent correctly. Reload the page and try again.")
    person: Person = current_person()
    token = operations.regenerate_feed_token(person)
    db_session().commit()
    return _page(new_link=_links(url_for("lms.calendar.private_feed", token=token, _external=True)))


@allow(SIGNED_IN)
def stop_feed():
    """Turn the private feed off."""
    form = StopFeedForm()
    if not form.validate_on_submit():
        abort(400, description="The form was not sent correctly. Reload the page and try again.")
    if operations.revoke_feed_token(current_person()):
        db_session().commit()
        flash("Your private calendar feed is off. Its link no longer works.", "success")
    return redirect(url_for("lms.calendar.index"))


# --- panels on shared pages -------------------------------------------------


def session_panel(viewer: Person | None, session: CourseSession) -> dict | None:
    """The "Add to calendar" link on a session's page."""
    if not session.meetings:
        return None
    course = session.course
    course_feed = None
    if session.is_public and course.is_public and course.active:
        course_feed = _links(url_for("lms.calendar.course_feed", code=course.code, _external=True))
    page = url_for("lms.catalog.session_detail", session_id=session.id, _external=True)
    return {
        "ics_url": url_for("lms.calendar.session_ics", session_id=session.id),
        "web_links": web_links.session_links(session, page),
        "multi_day": len(session.meetings) > 1,
        "course_feed": course_feed,
        "feeds_url": url_for("lms.calendar.index"),
        "signed_in": viewer is not None,
    }


def account_panel(person: Person) -> dict | None:
    """The private feed on the account page and the dashboard: its state, a button for a link."""
    return {
        "has_feed": person.calendar_token_hash is not None,
        "new_form": NewFeedLinkForm(formdata=None),
        "feeds_url": url_for("lms.calendar.index"),
    }
