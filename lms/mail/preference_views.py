"""A person's mail settings, and the unsubscribe link of every reminder and digest.

The unsubscribe link works without signing in: a GET shows what it turns off
and a button; a POST (the button, or the mail provider's RFC 8058 one-click
request) turns it off. A link that is none of ours is a 404.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for

from ..auth.policy import PUBLIC, SIGNED_IN, allow, current_person
from ..core import db_session
from ..models import Person
from . import preference_operations, preferences
from .forms import MailPreferencesForm, UnsubscribeForm


@allow(SIGNED_IN)
def edit():
    person = current_person()
    preference = preferences.preference_of(person.id)
    form = MailPreferencesForm(
        reminders=preference.reminders if preference else True,
        digests=preference.digests if preference else True,
    )
    if form.validate_on_submit():
        try:
            preference_operations.set_preferences(
                person,
                reminders=form.reminders.data,
                digests=form.digests.data,
                actor=person,
                via="settings page",
            )
            db_session().commit()
        except Exception:
            db_session().rollback()
            raise
        flash("Your mail settings are saved.", "success")
        return redirect(url_for("lms.mail_preferences.edit"))
    return render_template("lms/mail/preferences.html", form=form)


def _subscriber(token: str):
    found = preferences.read_token(token)
    if found is None:
        abort(404)
    person = db_session().get(Person, found[0])
    if person is None:
        abort(404)
    return person, found[1]


@allow(PUBLIC)
def unsubscribe(token: str):
    person, category = _subscriber(token)
    form = UnsubscribeForm()
    if form.is_submitted():
        try:
            preference_operations.unsubscribe(person, category)
            db_session().commit()
        except Exception:
            db_session().rollback()
            raise
        return render_template("lms/mail/unsubscribe.html", category=category, done=True, form=form)
    return render_template("lms/mail/unsubscribe.html", category=category, done=False, form=form)


# RFC 8058: the mail provider POSTs "List-Unsubscribe=One-Click" with no CSRF token;
# the signed token in the URL is the proof, and turning mail off is all it can do.
unsubscribe.lms_csrf_exempt = True  # type: ignore[attr-defined]
