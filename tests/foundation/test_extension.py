"""The LMS is a Flask extension a host mounts under its own prefix."""

import pytest
from flask import Flask, render_template_string
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, inspect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lms import LMS, migrate
from lms.config import ConfigError
from lms.core import LMSState
from lms.models import Role
from lms.plugins import CompletionRule, DuplicatePluginError, Registries, UnknownPluginError
from tests.conftest import FAST_HASHING
from tests.support import Factory, FormClient


class HostBase(DeclarativeBase):
    pass


host_db = SQLAlchemy(model_class=HostBase)
host_lms = LMS(host_db)


class Patrol(host_db.Model):
    """The host's own model, in the host's own metadata."""

    __tablename__ = "host_patrol"
    id: Mapped[int] = mapped_column(primary_key=True)
    beat: Mapped[str]


def make_host(database_url, template_folder):
    """A host app with its own model, its own route and its own template folder."""
    db = host_db
    app = Flask("host", template_folder=str(template_folder))
    app.config.update(
        SECRET_KEY="host-secret", SQLALCHEMY_DATABASE_URI=database_url, **FAST_HASHING
    )
    db.init_app(app)
    host_lms.init_app(app, url_prefix="/training")

    @app.get("/patrols")
    def patrols():
        return {"beats": [p.beat for p in db.session.scalars(db.select(Patrol))]}

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    with app.app_context():
        db.create_all()
        db.session.add(Patrol(beat="Downtown"))
        db.session.commit()
    return app, db


@pytest.fixture
def host(database_url, tmp_path):
    overrides = tmp_path / "host_templates" / "lms" / "catalog"
    overrides.mkdir(parents=True)
    (overrides / "course_list.html").write_text(
        '{% extends "lms/base.html" %}{% block content %}'
        "<h1>County training catalog</h1>{% for c in courses %}<p>{{ c.code }}</p>{% endfor %}"
        "{% endblock %}"
    )
    app, db = make_host(database_url, tmp_path / "host_templates")
    yield app, db
    with app.app_context():
        HostBase.metadata.drop_all(db.engine)
        db.engine.dispose()


def test_host_routes_models_and_lms_live_side_by_side(host):
    app, db = host
    client = app.test_client()
    assert client.get("/patrols").get_json() == {"beats": ["Downtown"]}
    assert client.get("/training/sign-in").status_code == 200
    assert client.get("/training/sessions/").status_code == 200
    assert client.get("/sign-in").status_code == 404  # nothing leaks outside the prefix
    with app.app_context():
        tables = inspect(db.engine).get_table_names()
        assert "host_patrol" in tables and "lms_person" in tables
        # the host's table is invisible to the LMS's migration check
        assert migrate.differences(db.engine) == []


def test_host_overrides_one_lms_template(host):
    app, db = host
    with app.app_context():
        Factory(db.session).course("CRASE", is_public=True)
    page = app.test_client().get("/training/courses/").get_data(as_text=True)
    assert "County training catalog" in page
    assert "CRASE" in page
    assert "Active-Threat Training" in page  # the LMS base layout is still used


def test_a_signed_in_person_works_inside_the_host(host):
    app, db = host
    app.test_client_class = FormClient
    with app.app_context():
        make = Factory(db.session)
        officer = make.person(Role.OFFICER, name="Deputy Kurt Jensen", password=make.PASSWORD)
        email = officer.email
    client = app.test_client()
    response = client.submit("/training/sign-in", {"email": email, "password": Factory.PASSWORD})
    assert response.status_code == 302
    assert "Welcome, Deputy Kurt Jensen" in client.get("/training/").get_data(as_text=True)


def test_registering_twice_is_a_loud_error(app):
    with pytest.raises(RuntimeError, match="already registered"):
        LMS(app.extensions["lms"].db).init_app(app)


def test_state_lives_in_app_extensions(app):
    state = app.extensions["lms"]
    assert isinstance(state, LMSState)
    assert state.url_prefix == "/training"
    assert "officer-certification" in state.registries.certificate_layouts
    assert "attendance" in state.registries.completion_rules


def test_registries_refuse_duplicate_names():
    registries = Registries()

    class Rule(CompletionRule):
        name = "teach-back"
        label = "Teach-back"

    registries.completion_rules.register(Rule())
    with pytest.raises(DuplicatePluginError, match="teach-back"):
        registries.completion_rules.register(Rule())
    with pytest.raises(UnknownPluginError, match="no completion rule named 'nope'"):
        registries.completion_rules.get("nope")


@pytest.mark.parametrize(
    "key, value, message",
    [
        ("LMS_TIMEZONE", "Mars/Olympus_Mons", "LMS_TIMEZONE"),
        ("LMS_PASSWORD_MIN_LENGTH", 4, "LMS_PASSWORD_MIN_LENGTH"),
        ("LMS_PASSWORD_MIN_LENGTH", "twelve", "LMS_PASSWORD_MIN_LENGTH"),
        ("LMS_DEPARTMENT_NAME", " ", "LMS_DEPARTMENT_NAME"),
        ("SECRET_KEY", "", "SECRET_KEY"),
        ("LMS_REPORTING_PERIOD_START", "13-01", "LMS_REPORTING_PERIOD_START"),
        ("LMS_REPORTING_PERIOD_START", "02-29", "LMS_REPORTING_PERIOD_START"),
        ("LMS_CERTIFICATE_PAGE_SIZE", "legal", "LMS_CERTIFICATE_PAGE_SIZE"),
        ("LMS_CANCEL_CUTOFF_HOURS", -1, "LMS_CANCEL_CUTOFF_HOURS"),
        ("LMS_REDIS_PREFIX", "", "LMS_REDIS_PREFIX"),
        ("LMS_REDIS_PREFIX", "my lms", "LMS_REDIS_PREFIX"),
        ("LMS_TRANSCRIPT_LAYOUT", "officer-certification", "LMS_TRANSCRIPT_LAYOUT"),
    ],
)
def test_invalid_configuration_stops_the_start_naming_the_key(tmp_path, key, value, message):
    db = SQLAlchemy()
    app = Flask("host")
    app.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/x.db")
    app.config[key] = value
    db.init_app(app)
    with pytest.raises(ConfigError, match=message):
        LMS(db).init_app(app)


def test_lms_needs_flask_sqlalchemy_first():
    app = Flask("host")
    app.config.update(SECRET_KEY="x")
    with pytest.raises(RuntimeError, match="Flask-SQLAlchemy"):
        LMS(SQLAlchemy()).init_app(app)


def test_server_errors_show_a_plain_page_without_internals(host):
    app, _ = host
    from lms.web import render_error

    app.register_error_handler(500, render_error)
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_no_io_or_app_at_import_time():
    import subprocess
    import sys

    code = (
        "import builtins, sys\n"
        "opened = []\n"
        "real_open = builtins.open\n"
        "def spy(f, *a, **k):\n"
        "    opened.append(str(f)); return real_open(f, *a, **k)\n"
        "builtins.open = spy\n"
        "import lms, lms.extension\n"
        "import flask\n"
        "assert not flask.has_app_context()\n"
        "print([f for f in opened if not f.endswith('.py')])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_engine_sees_lms_tables_on_the_hosts_database(database_url):
    engine = create_engine(database_url)
    assert "lms_session" in inspect(engine).get_table_names()
    engine.dispose()


def test_the_hosts_own_templates_see_none_of_the_lms_names(host):
    app, _ = host

    @app.get("/host-page")
    def host_page():
        return render_template_string(
            "{{ lms_site_name is defined }} {{ viewer is defined }} {{ Role is defined }}"
        )

    client = app.test_client()
    assert client.get("/host-page").get_data(as_text=True) == "False False False"
    # The LMS's own pages still have them.
    assert "Active-Threat Training" in client.get("/training/courses/").get_data(as_text=True)
