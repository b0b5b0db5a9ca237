"""A plain wheel carries templates, certificate layouts and migrations, and runs."""

import os
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("lms-*.whl")
    return path


def test_wheel_holds_every_package_and_data_folder(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for package_dir in (ROOT / "lms").rglob("__init__.py"):
        assert package_dir.relative_to(ROOT).as_posix() in names
    for folder, packaged in (
        ("templates", "lms/templates"),
        ("certificates", "lms/layouts"),
        ("migrations", "lms/migrations"),
    ):
        for source in (ROOT / folder).rglob("*"):
            if source.is_file() and "__pycache__" not in source.parts:
                assert f"{packaged}/{source.relative_to(ROOT / folder).as_posix()}" in names
    assert "lms/static/lms.css" in names


def test_installed_wheel_migrates_loads_demo_and_serves(wheel, tmp_path):
    """Install the wheel into a fresh venv (dependencies borrowed from this one) and run it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # Dependencies come from the test venv by path; its editable 'lms' hook is not loaded
    # because a plain path entry does not process .pth files.
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--no-deps",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )

    env = {
        **os.environ,
        "LMS_DATABASE_URL": f"sqlite:///{tmp_path}/lms.sqlite3",
        "LMS_ARGON2_MEMORY_KIB": "64",
        "LMS_ARGON2_TIME_COST": "1",
        "LMS_ARGON2_PARALLELISM": "1",
    }
    env.pop("PYTHONPATH", None)
    flask = [str(python), "-m", "flask", "--app", "lms.app"]
    upgrade = subprocess.run(
        [*flask, "lms", "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    demo = subprocess.run(
        [*flask, "lms", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert "officer.rivera@demo.lms.test" in demo.stdout, demo.stderr

    script = textwrap.dedent("""
        import lms, lms.resources as r
        assert "site-packages" in lms.__file__, lms.__file__
        assert r.templates_dir().is_relative_to(r._PACKAGE), r.templates_dir()
        assert (r.migrations_dir() / "env.py").exists()
        from lms.app import create_app
        app = create_app()
        client = app.test_client()
        page = client.get("/training/courses/").get_data(as_text=True)
        assert "CRASE: Avoid, Deny, Defend" in page, page
        assert client.get("/training/static/lms.css").status_code == 200
        from lms.transcripts.files import renderer
        with app.app_context():
            assert renderer().seal is not None  # the shipped transcript layout, read and usable
        registries = app.extensions["lms"].registries
        print("ok", registries.certificate_layouts.names(), registries.transcript_layouts.names())
    """)
    run = subprocess.run(
        [str(python), "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "ok" in run.stdout and "officer-certification" in run.stdout
    assert "['transcript']" in run.stdout
