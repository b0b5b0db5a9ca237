"""The LMS is a guest in its host: it keeps the host's sign-in, settings, connections and
migrations as it found them.

The host here is a county app with its own users, its own ``LoginManager`` and its own
Flask-Migrate history, on a database whose ``lms_*`` tables the LMS migrated.
"""

import logging.config

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask, redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import String, inspect, select, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from lms import LMS, migrate
from lms.auth import links
from lms.hosting import exclude_lms_tables
from lms.models import Person, Role
from tests.conftest import FAST_HASHING
from tests.support import Factory, FormClient

# Flask-Migrate's own env.py template still calls db.get_engine().
pytestmark = pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning")


class CountyBase(DeclarativeBase):
    pass


county_db = SQLAlchemy(model_class=CountyBase)


class CountyUser(UserMixin, county_db.Model):
    """The host's own account, signed in by the host's own form."""

    __tablename__ = "county_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)


def person_for_user(user: CountyUser) -> Person | None:
    """The county's adapter: the LMS person with the account's email."""
    return county_db.session.scalar(select(Person).where(Person.email == user.email))


def county_app(database_url: str, *, migrations=None, lms_options=None, **config) -> Flask:
    """A host with its own users, sign-in route, ``LoginManager`` and (optionally) migrations."""
    app = Flask("county")
    app.config.update(
        SECRET_KEY="county-secret", SQLALCHEMY_DATABASE_URI=database_url, **FAST_HASHING
    )
    app.config.update(config)
    county_db.init_app(app)
    logins = LoginManager(app)
    logins.login_view = "county_sign_in"

    @logins.user_loader
    def load_user(user_id: str):
        return county_db.session.get(CountyUser, int(user_id))

    @app.route("/sign-in", methods=["GET", "POST"], endpoint="county_sign_in")
    def county_sign_in():
        if request.method == "POST":
            user = county_db.session.scalar(
                select(CountyUser).where(CountyUser.email == request.form["email"])
            )
            if user is None:
                return "No such county account", 403
            login_user(user)
            return redirect(request.args.get("next") or "/me")
        return "<h1>County sign-in</h1>"

    @app.get("/me")
    @login_required
    def me():
        return {"email": current_user.email}

    if migrations is not None:
        flask_migrate.Migrate(app, county_db, directory=str(migrations), **exclude_lms_tables())
    if lms_options is not None:
        LMS(county_db).init_app(app, url_prefix="/training", **lms_options)
    return app


@pytest.fixture
def quiet_alembic(monkeypatch):
    # Flask-Migrate's env.py loads alembic.ini's logging config, which would silence every
    # logger of this pytest process (fileConfig disables existing loggers).
    monkeypatch.setattr(logging.config, "fileConfig", lambda *args, **kwargs: None)


@pytest.fixture
def county(database_url, tmp_path, quiet_alembic):
    """The county app, migrated with its own history beside the LMS's tables."""
    migrations = tmp_path / "county_migrations"
    app = county_app(
        database_url, migrations=migrations, lms_options={"person_for_user": person_for_user}
    )
    with app.app_context():
        flask_migrate.init(directory=str(migrations))
        flask_migrate.migrate(directory=str(migrations), message="county users")
        flask_migrate.upgrade(directory=str(migrations))
        county_db.session.add(CountyUser(email="deputy.jensen@county.test"))
        county_db.session.add(CountyUser(email="clerk@county.test"))  # no LMS person
        county_db.session.commit()
        Factory(county_db.session).person(
            Role.OFFICER,
            name="Deputy Kurt Jensen",
            email="deputy.jensen@county.test",
            password=Factory.PASSWORD,  # an LMS password the host's sign-in must not need
        )
    yield app, migrations
    with app.app_context():
        county_db.session.remove()
        CountyBase.metadata.drop_all(county_db.engine)
        with county_db.engine.begin() as connection:
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        county_db.engine.dispose()


def revisions(migrations):
    return sorted((migrations / "versions").glob("*.py"))


# --- sign-in ------------------------------------------------------------------------------


def test_a_host_login_manager_without_an_adapter_is_refused_and_left_alone(tmp_path):
    app = county_app(f"sqlite:///{tmp_path}/county.db")
    manager = app.login_manager
    loader, view = manager._user_callback, manager.login_view
    with pytest.raises(RuntimeError, match="person_for_user") as refused:
        LMS(county_db).init_app(app)
    assert "LoginManager" in str(refused.value)
    assert manager._user_callback is loader and manager.login_view == view
    assert "lms" not in app.extensions


def test_the_adapter_can_be_given_to_the_constructor(tmp_path):
    app = county_app(f"sqlite:///{tmp_path}/county.db")
    loader = app.login_manager._user_callback
    LMS(county_db, person_for_user=person_for_user).init_app(app)
    assert app.login_manager._user_callback is loader
    assert app.login_manager.login_view == "county_sign_in"


def test_the_hosts_sign_in_keeps_working_and_lms_pages_see_the_mapped_person(county):
    app, _ = county
    client = app.test_client()
    assert client.get("/me").headers["Location"].startswith("/sign-in")

    response = client.post("/sign-in", data={"email": "deputy.jensen@county.test"})
    assert response.status_code == 302
    assert client.get("/me").get_json() == {"email": "deputy.jensen@county.test"}
    page = client.get("/training/sessions/").get_data(as_text=True)
    assert "Deputy Kurt Jensen" in page  # the LMS's header names the mapped person


def test_signing_out_of_the_lms_signs_out_of_the_host(county):
    app, _ = county
    app.test_client_class = FormClient
    client = app.test_client()
    client.post("/sign-in", data={"email": "deputy.jensen@county.test"})
    response = client.submit("/training/sessions/", {}, action="/training/sign-out")
    assert response.status_code == 302
    assert client.get("/me").status_code == 302
    assert "Deputy Kurt Jensen" not in client.get("/training/sessions/").get_data(as_text=True)


def test_lms_sign_in_sends_people_to_the_hosts_sign_in(county):
    app, _ = county
    client = app.test_client()
    response = client.get("/training/sign-in?next=/training/sessions/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")
    assert "%2Ftraining%2Fsessions%2F" in response.headers["Location"]
    assert client.get("/training/account").headers["Location"] == (
        "/sign-in?next=%2Ftraining%2Faccount"
    )

    client.post("/sign-in", data={"email": "deputy.jensen@county.test"})
    response = client.get("/training/sign-in")
    assert response.headers["Location"].startswith("/training/")


def test_a_host_user_without_an_lms_person_is_anonymous_to_the_lms(county):
    app, _ = county
    client = app.test_client()
    client.post("/sign-in", data={"email": "clerk@county.test"})
    assert client.get("/me").get_json() == {"email": "clerk@county.test"}
    page = client.get("/training/sessions/")
    assert page.status_code == 200
    assert "Sign in" in page.get_data(as_text=True)
    # the LMS's sign-in link says so rather than sending them round to sign in again
    response = client.get("/training/sign-in")
    assert response.status_code == 403
    assert "not linked to a training record" in response.get_data(as_text=True)


def test_the_lms_account_page_does_not_change_passwords_for_a_host(county):
    app, _ = county
    client = app.test_client()
    client.post("/sign-in", data={"email": "deputy.jensen@county.test"})
    page = client.get("/training/account")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Change password" not in body
    assert "Deputy Kurt Jensen" in body


def test_the_lms_password_reset_pages_are_not_a_back_door_for_a_host(county):
    app, _ = county
    with app.test_request_context():
        deputy = county_db.session.scalar(select(Person).where(Person.email.like("deputy%")))
        link = links.issue_reset_link(deputy, deputy)  # were one made, it would open nothing
        county_db.session.commit()
    client = app.test_client()
    for path in ("/training/forgot-password", f"/training/reset-password/{link.token}"):
        assert client.get(path).status_code == 404
        assert client.post(path, data={"email": "deputy.jensen@county.test"}).status_code >= 400
    client.post("/sign-in", data={"email": "deputy.jensen@county.test"})
    assert client.get("/training/forgot-password").status_code == 404


# --- migrations ---------------------------------------------------------------------------


def test_host_autogenerate_leaves_the_lms_tables_alone(county):
    app, migrations = county
    (first,) = revisions(migrations)
    script = first.read_text()
    assert "op.create_table('county_user'" in script
    assert "lms_" not in script

    with app.app_context():
        flask_migrate.migrate(directory=str(migrations), message="nothing new")
        engine = county_db.engine
        assert migrate.current_revision(engine) == migrate.head_revision()
        assert migrate.differences(engine) == []
        assert {"county_user", "lms_person", "lms_alembic_version"} <= set(
            inspect(engine).get_table_names()
        )
    assert revisions(migrations) == [first]  # "No changes in schema detected."


def test_without_the_filter_autogenerate_would_drop_the_lms(county):
    # The hazard exclude_lms_tables() removes, seen through Alembic's own comparison.
    app, _ = county
    with app.app_context(), county_db.engine.connect() as connection:
        unfiltered = compare_metadata(MigrationContext.configure(connection), CountyBase.metadata)
        filtered = compare_metadata(
            MigrationContext.configure(connection, opts=exclude_lms_tables()),
            CountyBase.metadata,
        )
    dropped = {diff[1].name for diff in unfiltered if diff[0] == "remove_table"}
    assert "lms_person" in dropped and "lms_alembic_version" in dropped
    assert filtered == []
