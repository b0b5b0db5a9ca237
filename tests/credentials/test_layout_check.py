"""A layout that cannot print stops the app at start, naming the layout and the problem."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lms.credentials.layouts import parse_layout, placement_problems
from lms.credentials.render import font_for
from lms.resources import layouts_dir

ROOT = Path(__file__).resolve().parents[2]


def officer_spec(**changes) -> dict:
    spec = json.loads((layouts_dir() / "officer-certification" / "layout.json").read_text())
    spec.update(changes)
    return spec


def with_block(spec: dict, template: str, **changes) -> dict:
    for block in spec["blocks"]:
        if block["text"] == template:
            block.update(changes)
    return spec


def problems_of(raw: dict) -> list[str]:
    folder = layouts_dir() / "officer-certification"
    return placement_problems(parse_layout(raw, folder, layouts_dir() / "shared"), font_for)


def test_the_shipped_layouts_print_on_every_paper():
    for folder in sorted(p.parent for p in layouts_dir().glob("*/layout.json")):
        raw = json.loads((folder / "layout.json").read_text())
        assert (
            placement_problems(parse_layout(raw, folder, layouts_dir() / "shared"), font_for) == []
        )


@pytest.mark.parametrize(
    ("template", "changes", "expected"),
    [
        (
            "Scan to verify",
            {"x": 0.99, "align": "left"},
            "block 13 ('Scan to verify') on letter paper: its text would reach off the page at"
            " the right; keep it at least 18 pt (0.25 in) inside the edges",
        ),
        (
            "Date of issue",
            {"y": 0.02},
            "block 12 ('Date of issue') on letter paper: its text would reach 10.1 pt from"
            " the bottom edge",
        ),
        (
            "{instructor}",
            {"max_width": None},
            "block 9 ('{instructor}'): shows {instructor} without a max_width,"
            " so a long value would run off the page",
        ),
    ],
)
def test_text_placed_where_it_cannot_print_is_named(template, changes, expected):
    found = problems_of(with_block(officer_spec(), template, **changes))
    assert any(p.startswith(expected) for p in found), found


def test_a_qr_code_too_small_to_scan_or_off_the_page_is_named():
    small = problems_of(officer_spec(qr={"x": 0.8, "y": 0.06, "size": 0.11}))
    assert (
        "qr on letter paper: its modules would be 1.34 pt, smaller than the 2.2 pt a 72 dpi"
        " scan needs; make its size at least 0.181" in small
    )
    off = problems_of(officer_spec(qr={"x": 0.9, "y": 0.06, "size": 0.2}))
    assert any(p.startswith("qr on a4 paper: the QR code would reach off the page") for p in off)


# --- `flask lms` with a plugin whose layout is broken ---------------------------------


def install_layout_plugin(folder: Path, layout: dict) -> None:
    """A distribution (as pip would install it) whose entry point registers ``layout``."""
    (folder / "broken_layout").mkdir(parents=True)
    (folder / "broken_layout" / "layout.json").write_text(json.dumps(layout))
    (folder / "broken_layout" / "__init__.py").write_text(
        textwrap.dedent(
            """
            from pathlib import Path
            from lms.plugins import CertificateLayout

            def register(registries):
                path = Path(__file__).parent / "layout.json"
                registries.certificate_layouts.register(CertificateLayout.from_file(path))
            """
        )
    )
    dist = folder / "broken_layout-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-layout\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[lms.plugins]\nbroken = broken_layout:register\n")


def flask_lms(tmp_path: Path) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(ROOT)]),
        "LMS_DATABASE_URL": f"sqlite:///{tmp_path / 'lms.sqlite3'}",
        "LMS_SECRET_KEY": "x" * 32,
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "lms.app", "lms", "--help"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("layout", "expected"),
    [
        (
            officer_spec(name="school-staff", fonts={"bold": "shared:fonts/NotoSans-Bold.ttf"}),
            "LayoutError: layout 'school-staff' font 'bold': asset"
            " 'shared:fonts/NotoSans-Bold.ttf' not found",
        ),
        (
            with_block(officer_spec(name="school-staff"), "{title}", y=0.99),
            "LayoutError: layout 'school-staff' places things where they cannot print:\n"
            "  block 2 ('{title}') on letter paper: its text would reach off the page at the top",
        ),
    ],
    ids=["missing-font", "text-off-the-page"],
)
def test_flask_lms_refuses_to_start_with_a_broken_layout(tmp_path, layout, expected):
    install_layout_plugin(tmp_path / "site", layout)
    result = flask_lms(tmp_path)
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr[-2000:]
    assert "Usage:" not in result.stdout


def test_flask_lms_starts_with_a_good_plugin_layout(tmp_path):
    install_layout_plugin(tmp_path / "site", officer_spec(name="school-staff"))
    result = flask_lms(tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Usage:" in result.stdout
