"""Mail settings: a bad value stops the start with a message naming the key."""

from __future__ import annotations

import shutil

import pytest
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from lms import LMS
from lms.config import ConfigError
from lms.core import db_session
from lms.mail import identity
from lms.models import AgencyType, Organization, OrganizationKind


def start(tmp_path, **settings) -> Flask:
    db = SQLAlchemy()
    app = Flask("host")
    app.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db")
    app.config.update(settings)
    db.init_app(app)
    LMS(db).init_app(app)
    return app


SMTP = {"LMS_SMTP_HOST": "smtp.mpd.test", "LMS_MAIL_SENDER": "training@mpd.test"}


@pytest.mark.parametrize(
    "settings, message",
    [
        ({**SMTP, "LMS_SMTP_SECURITY": "ssl"}, "LMS_SMTP_SECURITY must be one of starttls, tls"),
        ({**SMTP, "LMS_SMTP_PORT": 70000}, "LMS_SMTP_PORT must be a port number"),
        ({**SMTP, "LMS_SMTP_PORT": "smtp"}, "LMS_SMTP_PORT must be an integer"),
        ({**SMTP, "LMS_SMTP_HOST": "smtp mpd.test"}, "LMS_SMTP_HOST must be a host name"),
        ({"LMS_SMTP_HOST": "smtp.mpd.test"}, "LMS_MAIL_SENDER must be set when LMS_SMTP_HOST"),
        ({**SMTP, "LMS_SMTP_USERNAME": "lms"}, "LMS_SMTP_PASSWORD must be set"),
        ({**SMTP, "LMS_SMTP_TIMEOUT_SECONDS": 0}, "LMS_SMTP_TIMEOUT_SECONDS must be a number"),
        ({**SMTP, "LMS_SMTP_TIMEOUT_SECONDS": "nan"}, "LMS_SMTP_TIMEOUT_SECONDS"),
        ({"LMS_MAIL_SENDER": "training at mpd"}, "LMS_MAIL_SENDER must be an email address"),
        ({"LMS_MAIL_REPLY_TO": "Training Unit"}, "LMS_MAIL_REPLY_TO must be an email address"),
        ({"LMS_MAIL_MAX_ATTEMPTS": 0}, "LMS_MAIL_MAX_ATTEMPTS must be an integer of at least 1"),
        ({"LMS_MAIL_RETRY_SECONDS": "soon"}, "LMS_MAIL_RETRY_SECONDS"),
        ({"LMS_REMINDER_OFFSETS_DAYS": "60,thirty"}, "LMS_REMINDER_OFFSETS_DAYS must be whole"),
        ({"LMS_REMINDER_OFFSETS_DAYS": "30,-1"}, "LMS_REMINDER_OFFSETS_DAYS"),
        ({"LMS_REMINDER_OFFSETS_DAYS": ""}, "LMS_REMINDER_OFFSETS_DAYS"),
        ({"LMS_DIGEST_WEEKDAY": "someday"}, "LMS_DIGEST_WEEKDAY must be a day of the week"),
    ],
)
def test_a_bad_mail_setting_stops_the_start_naming_the_key(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message):
        start(tmp_path, **settings)


def test_settings_read_from_the_environment_are_understood(tmp_path):
    # As lms.app reads them: JSON where they parse, text otherwise; empty means unset.
    app = start(
        tmp_path,
        LMS_SMTP_HOST="",
        LMS_SMTP_SECURITY="TLS",
        LMS_SMTP_TIMEOUT_SECONDS="2.5",
        LMS_REMINDER_OFFSETS_DAYS=7,
        LMS_DIGEST_WEEKDAY="Friday",
    )
    config = app.config
    assert config["LMS_SMTP_HOST"] is None
    assert config["LMS_SMTP_SECURITY"] == "tls"
    assert config["LMS_SMTP_TIMEOUT_SECONDS"] == 2.5
    assert config["LMS_REMINDER_OFFSETS_DAYS"] == (7,)
    assert config["LMS_DIGEST_WEEKDAY"] == "friday"
    assert start(tmp_path / "b").config["LMS_REMINDER_OFFSETS_DAYS"] == (60, 30, 7, 0)


def test_the_sender_names_the_department_and_gives_message_ids_their_domain(
    tmp_path, sqlite_template
):
    shutil.copy(sqlite_template, tmp_path / "x.db")  # the schema, no organization yet
    app = start(
        tmp_path,
        LMS_DEPARTMENT_NAME="Police Department",
        **{"LMS_MAIL_SENDER": "training@mpd.test"},
    )
    with app.app_context():
        assert identity.sender_header() == "Police Department <training@mpd.test>"
        # Named on its Organizations page: the mail says that name.
        db_session().add(
            Organization(
                name="Missoula Police Department",
                slug="mpd",
                kind=OrganizationKind.DEPARTMENT,
                agency_type=AgencyType.POLICE,
            )
        )
        db_session().commit()
        assert identity.sender_header() == "Missoula Police Department <training@mpd.test>"
        assert identity.envelope_sender() == "training@mpd.test"
        assert identity.new_message_id().endswith("@mpd.test>")
        app.config["LMS_MAIL_SENDER"] = None
        app.config["LMS_PUBLIC_URL"] = "https://training.mpd.example:8443/lms"
        assert identity.envelope_sender() == "no-reply@training.mpd.example"
