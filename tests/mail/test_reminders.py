"""Renewal reminders: sent at their offsets before a certification is due, once, and only
to people who still need them. Delivered over the test SMTP server and read back."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from lms.app import db
from lms.core import local_today
from lms.mail import delivery
from lms.mail.reminders import find_due, queue_reminders
from lms.mail.worker import jobs_for
from lms.models import OutboxMessage
from tests.status.program import Program
from tests.support import DENVER


@pytest.fixture
def program(make):
    return Program(make)


def run_pass():
    report = queue_reminders()
    db.session.commit()
    return report


def reminders():
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def noon(day):
    return datetime.combine(day, time(12), DENVER)


def test_over_a_year_each_reminder_goes_once_exactly_at_its_offset(program, smtp_server):
    officer = program.officer("Dana Whitfield")
    today = local_today()
    due = today + timedelta(days=200)
    cycle = program.certify(officer, program.alerrt, expires_on=due)

    sent_on = {}
    delivered = 0
    with time_machine.travel(noon(today), tick=False) as clock:
        for _day in range(366):
            run_pass()
            run_pass()  # a second pass the same day (the worker runs hourly) adds nothing
            for message in reminders()[len(sent_on) :]:
                sent_on[message.dedupe_key] = local_today()
            delivered += delivery.deliver_due().sent
            clock.shift(timedelta(days=1))

    assert sent_on == {
        f"reminder:{cycle.id}:{offset}": due - timedelta(days=offset) for offset in (60, 30, 7, 0)
    }
    assert delivered == 4
    subjects = [r.message["Subject"] for r in smtp_server.inbox.received]
    assert subjects == [
        "Your ALERRT active-threat response certification is due in 60 days",
        "Your ALERRT active-threat response certification is due in 30 days",
        "Your ALERRT active-threat response certification is due in 7 days",
        "Your ALERRT active-threat response certification expires today",
    ]
    assert {r.recipients[0] for r in smtp_server.inbox.received} == {officer.email}


def test_a_missed_day_is_caught_up_with_the_reminder_then_due_only(program):
    officer = program.officer()
    today = local_today()
    cycle = program.certify(officer, program.alerrt, expires_on=today + timedelta(days=25))
    run_pass()
    run_pass()
    assert [m.dedupe_key for m in reminders()] == [f"reminder:{cycle.id}:30"]


def test_the_reminder_lists_open_sessions_in_time_with_enroll_links(program, smtp_server):
    officer = program.officer("Dana Whitfield")
    today = local_today()
    program.certify(officer, program.alerrt, expires_on=today + timedelta(days=30))
    in_time = program.future_session(in_days=20)
    program.future_session(in_days=45)  # after the due date: not listed
    program.future_session(program.crase, in_days=10)  # renews nothing: not listed

    assert run_pass().queued == 1
    assert delivery.deliver_due().sent == 1
    (received,) = smtp_server.inbox.received
    email = received.message
    text = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "Hello Dana Whitfield," in text and "Hello Dana Whitfield," in html
    assert "in 30 days" in text
    link = f"/training/sessions/{in_time.id}"
    assert link in text and link in html
    assert text.count("Enroll: ") == 1
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert email["List-Unsubscribe"].startswith("<http") and "/mail/unsubscribe/" in str(
        email["List-Unsubscribe"]
    )


def test_enrolling_in_a_qualifying_session_or_renewing_stops_reminders(program):
    enrolled, renewed, waiting = program.officers("Enrolled", "Renewed", "Waiting")
    today = local_today()
    due = today + timedelta(days=7)
    program.certify_all([(p, program.alerrt, due) for p in (enrolled, renewed, waiting)])
    program.enroll(program.future_session(in_days=3), enrolled)
    program.certify(renewed, program.alerrt, expires_on=due + timedelta(days=365), granted_on=today)

    report = run_pass()
    assert [d.person.full_name for d in report.due] == ["Waiting"]


def test_revoked_cycles_inactive_people_and_people_without_email_get_none(program, make):
    revoked, inactive, no_email = program.officers("Revoked", "Inactive", "No Email")
    today = local_today()
    due = today + timedelta(days=7)
    cycles = [program.certify(p, program.alerrt, expires_on=due) for p in (revoked, inactive)]
    cycles[0].revoked_at = datetime.now(DENVER)
    cycles[0].revoke_reason = "Completion corrected"
    inactive.active = False
    no_email.email = None
    db.session.commit()
    program.certify(no_email, program.alerrt, expires_on=due)

    assert find_due().due == []
    assert run_pass().queued == 0


def test_the_cli_dry_run_lists_and_queues_nothing_then_a_pass_queues(app, program):
    officer = program.officer()
    program.certify(officer, program.alerrt, expires_on=local_today() + timedelta(days=7))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "reminders", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert f"{officer.email}: 7-day reminder" in result.output
    assert reminders() == []
    result = runner.invoke(args=["lms", "reminders"])
    assert "1 reminder(s) queued" in result.output
    assert len(reminders()) == 1


def test_names_in_any_script_reach_the_headers_text_and_html_intact(program, smtp_server):
    officer = program.officer("Zoë O'Connor & Ана Петрова")
    program.certify(officer, program.alerrt, expires_on=local_today() + timedelta(days=7))
    run_pass()
    delivery.deliver_due()
    (received,) = smtp_server.inbox.received
    assert received.raw.isascii()  # 7-bit: any SMTP server takes it
    email = received.message
    assert email["To"].addresses[0].display_name == "Zoë O'Connor & Ана Петрова"
    assert email["To"].addresses[0].addr_spec == officer.email
    assert "Hello Zoë O'Connor & Ана Петрова," in email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    assert "Hello Zoë O&#x27;Connor &amp; Ана Петрова," in html
    assert email.get_content_type() == "multipart/alternative"
    assert email["Message-ID"].endswith("@mpd.test>")


def test_the_worker_runs_reminders_and_digests_every_hour(app):
    huey = jobs_for(app).huey

    def named(moment):
        return {task.name for task in huey.read_periodic(moment)}

    assert "reminders" in named(datetime(2026, 3, 8, 9, 7))
    assert "digests" in named(datetime(2026, 3, 8, 9, 17))
    assert {"reminders", "digests"}.isdisjoint(named(datetime(2026, 3, 8, 9, 8)))
