"""What the enrollment feature adds to shared pages: the session page and the dashboard."""

from __future__ import annotations

from typing import Any

from flask import url_for

from ..auth.policy import is_session_staff, is_staff, teaches
from ..core import local_today
from ..models import CourseSession, Enrollment, Person, utcnow
from . import queries, rules
from .forms import EnrollForm

#: Coming community classes listed on a group coordinator's dashboard.
DASHBOARD_SESSIONS = 5


def session_panel(viewer: Person | None, session: CourseSession) -> dict[str, Any] | None:
    """Enroll, join the waitlist, see one's place or cancel it; links for groups and staff."""
    now = utcnow()
    if session.is_cancelled:
        # The page says it is cancelled; only those who manage it have more to do here.
        if viewer is None or not is_session_staff(viewer, session):
            return None
        return {
            "public": False,
            "cancelled": True,
            "manage_url": url_for("lms.enrollment.session_enrollments", session_id=session.id),
        }
    if viewer is None:
        if not session.is_public:
            return None
        return {
            "public": True,
            "problem": rules.timing_problem(session, now),
            "register_url": url_for("lms.enrollment.register", session_id=session.id),
        }
    context: dict[str, Any] = {"public": False, "mine": None}
    mine = queries.active_enrollment(session.id, viewer.id)
    if mine is None and teaches(viewer, session):
        # Their own roster panel comes first; "you cannot enroll" would only puzzle them.
        context["teaching"] = True
    elif mine is not None:
        context["mine"] = mine
        context["position"] = queries.waitlist_position(mine)
        context["cancel_problem"] = rules.self_cancel_problem(mine, now)
        context["cancel_url"] = url_for("lms.enrollment.cancel", enrollment_id=mine.id)
    else:
        problems = [
            rules.timing_problem(session, now)
            or rules.organization_problem(viewer.organization)
            or rules.audience_problem(session.course, viewer)
        ]
        if problems[0] is None:
            problems = rules.prerequisite_problems(
                session.course, viewer, local_today(session.timezone)
            )
        context["problems"] = [p for p in problems if p]
        if not context["problems"]:
            full = not queries.count_seats(session).can_seat(viewer.organization)
            form = EnrollForm()
            form.submit.label.text = "Join the waitlist" if full else "Enroll"
            context["form"] = form
            context["full"] = full
    if rules.group_audience_problem(session.course) is None and not session.is_cancelled:
        context["groups"] = queries.coordinated_groups(viewer)
    if is_session_staff(viewer, session):
        context["manage_url"] = url_for("lms.enrollment.session_enrollments", session_id=session.id)
    return context


def dashboard_panel(person: Person) -> dict[str, Any] | None:
    """Community-group coordinators get straight to their groups and the classes coming up."""
    groups = queries.coordinated_groups(person)
    if not groups and not is_staff(person):
        return None
    return {
        "groups": groups,
        "staff": is_staff(person),
        # Straight to a class's page of seats, roster upload and names (one click).
        "sessions": queries.sessions_open_to_groups(DASHBOARD_SESSIONS) if groups else [],
    }


def cancel_problem(enrollment: Enrollment) -> str | None:
    """Template helper: why the person cannot cancel this place themselves (None: they can)."""
    return rules.self_cancel_problem(enrollment, utcnow())
