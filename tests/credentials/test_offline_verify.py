"""`flask lms verify FILE.pdf` as someone outside the department runs it.

From a plain install (no test extras), with only the PDF and the published key
set; and a page whose printed name or dates were edited is refused even though
the record embedded beside it is still genuinely signed.
"""

from __future__ import annotations

import configparser
import json
import os
import re
import subprocess
import sys
import textwrap
import unicodedata
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from lms.credentials import printing
from lms.credentials.cli import verify_command
from lms.credentials.render import format_date

from .support import pdf_text

ROOT = Path(__file__).resolve().parents[2]
LONG_NAME = "Ofc. María Guadalupe Zoë Ångström-Núñez de la Fuente y Villalobos-Castañeda"


def rendered(app, cert) -> bytes:
    with app.test_request_context():
        return printing.render_pdf(cert)


def published_keys(client, tmp_path) -> Path:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(client.get("/training/verify/keys.json").get_json()))
    return keys


def verify_pdf(runner, client, tmp_path, pdf: bytes, name: str = "certificate.pdf"):
    """``flask lms verify`` of ``pdf`` (written to ``name``) with the published keys."""
    path = tmp_path / name
    path.write_bytes(pdf)
    return runner.invoke(
        verify_command, [str(path), "--keys", str(published_keys(client, tmp_path))]
    )


def edit_printed_line(app, cert, pdf: bytes, old: str, new: str) -> bytes:
    """``pdf`` with one printed line changed, as a PDF editor would: nothing else touched.

    Text is drawn as glyph ids of the line's font; the edit swaps those ids in
    the page's content stream and leaves the QR code and embedded record as issued.
    """
    with app.test_request_context():
        layout = printing.prepared_layout(cert)
    for font in layout.fonts.values():
        before, after = font.encode(old).encode(), font.encode(new).encode()
        if b"<" + before + b">" in pdf:
            assert len(before) == len(after)  # same length: offsets stay valid
            return pdf.replace(b"<" + before + b">", b"<" + after + b">")
    raise AssertionError(f"{old!r} is not drawn on the page")


def _names(requirements: str) -> set[str]:
    lines = [line.split("#")[0].strip() for line in requirements.splitlines()]
    return {Requirement(line).name.lower() for line in lines if line}


def test_verify_from_a_plain_install_reads_a_pdf_another_program_rewrote(
    app, app_config, client, issued, tmp_path
):
    """Every package only the test extra brings is made unimportable; the command still works."""
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    extras = setup["options.extras_require"]
    plain = _names(setup["options"]["install_requires"])
    deployment = _names(extras["postgres"]) | _names(extras["redis"])
    test_only = _names(extras["test"]) - plain - deployment
    modules = sorted(
        module
        for module, distributions in packages_distributions().items()
        if {d.lower() for d in distributions} & test_only and not module.startswith("_")
    )
    assert "pypdf" in modules or "pypdf" in plain  # the check sees the PDF reader either way

    _, cert = issued()
    original = tmp_path / "issued.pdf"
    original.write_bytes(rendered(app, cert))
    # A mail client or a document system rewrites the file: object streams,
    # the information dictionary compressed where no byte scan finds it.
    rewritten = tmp_path / "rewritten.pdf"
    subprocess.run(
        ["qpdf", "--object-streams=generate", "--compress-streams=y", original, rewritten],
        check=True,
    )
    assert b"LMSCertificate" not in rewritten.read_bytes()
    script = textwrap.dedent(
        f"""
        import sys
        BLOCKED = {modules!r}

        class TestOnly:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ImportError(f"{{name}} is only in the test extra")

        sys.meta_path.insert(0, TestOnly())
        from flask.cli import main
        sys.argv = ["flask", "--app", "lms.app", "lms", *sys.argv[1:]]
        main()
        """
    )
    env = {
        **os.environ,
        "LMS_DATABASE_URL": app_config["SQLALCHEMY_DATABASE_URI"],
        "LMS_SECRET_KEY": app_config["SECRET_KEY"],
        "LMS_KEY_DIR": app_config["LMS_KEY_DIR"],
        "PYTHONPATH": str(ROOT),
    }
    keys = published_keys(client, tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", script, "verify", str(rewritten), "--keys", str(keys)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SIGNATURE VALID" in result.stdout
    assert "page:         matches the signed record" in result.stdout
    assert "live status: valid" in result.stdout


def test_an_untouched_certificate_matches_its_page(app, client, runner, issued, tmp_path):
    _, cert = issued()
    result = verify_pdf(runner, client, tmp_path, rendered(app, cert))
    assert result.exit_code == 0, result.output
    assert "SIGNATURE VALID" in result.output
    assert "document:     certificate" in result.output
    assert "page:         matches the signed record (name, course, dates)" in result.output


def test_a_long_decomposed_name_with_diacritics_is_not_a_false_alarm(
    app, client, runner, issued, tmp_path
):
    """Typed as decomposed Unicode, shrunk onto two lines on the page: still genuine."""
    decomposed = unicodedata.normalize("NFD", LONG_NAME)
    assert decomposed != LONG_NAME
    _, cert = issued(decomposed)
    pdf = rendered(app, cert)
    holder_lines = [line for line in pdf_text(pdf).splitlines() if "Zoë" in line]
    assert holder_lines == ["Ofc. María Guadalupe Zoë Ångström-Núñez"]  # too long for one line
    result = verify_pdf(runner, client, tmp_path, pdf)
    assert result.exit_code == 0, result.output
    assert "page:         matches the signed record" in result.output
    assert f"holder:       {LONG_NAME}" in result.output


@pytest.mark.parametrize("what", ["holder", "expires", "course"])
def test_a_page_edited_after_issue_is_not_valid(app, client, runner, issued, tmp_path, what):
    _, cert = issued()
    genuine = {
        "holder": "Ofc. Sofia Rivera",
        "expires": f"Valid until {format_date(cert.expires_on)}",
        "course": "ALERRT Active-Shooter Response Refresher",
    }[what]
    forged = {
        "holder": "Ofc. Sofia Rivero",
        "expires": f"Valid until {format_date(cert.expires_on.replace(year=2099))}",
        "course": "ALERRT Active-Shooter Response Commander",
    }[what]
    result = verify_pdf(
        runner,
        client,
        tmp_path,
        edit_printed_line(app, cert, rendered(app, cert), genuine, forged),
        "forged.pdf",
    )
    assert result.exit_code == 1, result.output
    assert "SIGNATURE VALID" not in result.output
    assert "NOT VALID: the printed page does not match the signed record" in result.output
    page_says = forged.removeprefix("Valid until ")
    record_says = genuine.removeprefix("Valid until ")
    assert f'{what}: the page says "{page_says}"; the signed record says "{record_says}"' in (
        result.output
    )


def without_line_marks(pdf: bytes) -> bytes:
    """``pdf`` as printed before lines were marked: each mark blanked out, offsets kept."""
    start = pdf.index(b"/LMSPrinted")
    end = pdf.index(b"endstream", start)
    page = re.sub(
        rb"/LMSPrinted << /Template <[0-9A-F]+> >> BDC\n|EMC\n",
        lambda m: b" " * (len(m.group()) - 1) + b"\n",
        pdf[start:end],
    )
    return pdf[:start] + page + pdf[end:]


@pytest.mark.parametrize("edited", [False, True])
def test_a_certificate_printed_before_lines_were_marked_is_still_read(
    app, client, runner, issued, tmp_path, edited
):
    _, cert = issued()
    old = without_line_marks(rendered(app, cert))
    assert b"LMSPrinted" not in old
    if edited:
        old = edit_printed_line(app, cert, old, "Ofc. Sofia Rivera", "Ofc. Sofia Rivero")
    result = verify_pdf(runner, client, tmp_path, old, "old.pdf")
    if edited:
        assert result.exit_code == 1, result.output
        assert (
            'holder: the page does not show it; the signed record says "Ofc. Sofia Rivera"'
            in result.output
        )
    else:
        assert result.exit_code == 0, result.output
        assert "page:         matches the signed record" in result.output


@pytest.mark.parametrize(
    "name",
    [
        "نجيب محفوظ (ALERRT-6)",  # right-to-left, Latin and digits at its end
        "(ALERRT-6) نجيب محفوظ",  # right-to-left after a Latin start: the same line, mirrored
        "Naguib نجيب محفوظ Mahfouz",  # left-to-right around an Arabic run
    ],
)
def test_a_right_to_left_line_with_latin_in_it_reads_back_in_logical_order(
    app, client, runner, issued, tmp_path, name
):
    """Drawn in visual order, a right-to-left line that ends in Latin looks like a
    left-to-right one that starts with it: the page says which it is, and verifying
    puts the line back in the order it was typed."""
    _, cert = issued(name)
    result = verify_pdf(runner, client, tmp_path, rendered(app, cert))
    assert result.exit_code == 0, result.output
    assert "page:         matches the signed record" in result.output
    assert f"holder:       {name}" in result.output
