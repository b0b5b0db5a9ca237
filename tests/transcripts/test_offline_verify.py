"""`flask lms verify FILE.pdf` on a transcript, as a court clerk or another agency runs it.

With only the PDF and the published key set: a genuine transcript passes and
says it is a transcript; one whose pages or record were changed is refused,
saying where; one with a record revoked since issue is genuine but not current.
"""

from __future__ import annotations

import json
import re
import subprocess

from sqlalchemy import select

from lms.credentials.cli import verify_command
from lms.credentials.pdf import text_string
from lms.models import IssuedTranscript
from lms.transcripts import files, record

from .support import revoke
from .test_pdf import issue_and_download


def published_keys(client, tmp_path):
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(client.get("/training/verify/keys.json").get_json()))
    return str(keys)


def downloaded(client, sign_in, person, tmp_path, name="transcript.pdf"):
    """``person``'s transcript issued and downloaded through the pages, saved to a file."""
    sign_in(person)
    serial, data = issue_and_download(client, person)
    path = tmp_path / name
    path.write_bytes(data)
    return serial, path


def run_verify(runner, client, tmp_path, pdf):
    return runner.invoke(verify_command, [str(pdf), "--keys", published_keys(client, tmp_path)])


def uncompressed(path, tmp_path):
    """The file with its streams stored plainly, as a PDF editor may save it."""
    out = tmp_path / f"plain-{path.name}"
    subprocess.run(["qpdf", "--stream-data=uncompress", str(path), str(out)], check=True)
    return out


def test_a_genuine_transcript_passes_and_says_it_is_a_transcript(
    client, runner, sign_in, history, tmp_path
):
    h = history(years=3)
    serial, pdf = downloaded(client, sign_in, h.officer, tmp_path)
    # A mail client or a records system rewrites the file: object streams, recompressed.
    rewritten = tmp_path / "rewritten.pdf"
    subprocess.run(
        ["qpdf", "--object-streams=generate", "--compress-streams=y", str(pdf), str(rewritten)],
        check=True,
    )
    for path in (pdf, rewritten):
        result = run_verify(runner, client, tmp_path, path)
        assert result.exit_code == 0, result.output
        assert "SIGNATURE VALID" in result.output
        assert "document:     training transcript" in result.output
        assert f"serial:       {serial}" in result.output
        assert "holder:       Ofc. Sofia Rivera" in result.output
        assert "records:      3 completed here, 4 certification cycles, 2 imported" in (
            result.output
        )
        assert re.search(r"pages: +all \d+ match the signed record", result.output)
        assert "live status: genuine; no record on it was revoked since it was issued" in (
            result.output
        )


def test_a_transcript_serial_is_checked_against_the_database(client, runner, sign_in, history):
    h = history()
    sign_in(h.officer)
    serial, _ = issue_and_download(client, h.officer)
    result = runner.invoke(verify_command, [serial])
    assert result.exit_code == 0, result.output
    assert "document:     training transcript" in result.output
    assert "live status: genuine" in result.output


def test_a_pdf_from_elsewhere_is_neither(client, runner, tmp_path):
    not_ours = tmp_path / "other.pdf"
    not_ours.write_bytes(b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    result = run_verify(runner, client, tmp_path, not_ours)
    assert result.exit_code == 1
    assert "NOT VALID: no certificate or transcript record from this LMS in this PDF" in (
        result.output
    )


def test_a_name_retyped_on_the_pages_is_not_valid(app, client, runner, sign_in, history, tmp_path):
    h = history(years=10, per_year=2)
    _, pdf = downloaded(client, sign_in, h.officer, tmp_path)
    plain = uncompressed(pdf, tmp_path).read_bytes()
    with app.app_context():
        fonts = files.renderer().fonts.values()
    swaps = 0
    for font in fonts:
        before = font.encode("Ofc. Sofia Rivera").encode()
        after = font.encode("Ofc. Sofia Rivero").encode()
        assert len(before) == len(after)  # same length: the file's offsets stay valid
        swaps += plain.count(b"<" + before)
        plain = plain.replace(b"<" + before, b"<" + after)  # texts that start with the name
    assert swaps >= 3  # the name under the title, and the running head of each further page
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(plain)
    result = run_verify(runner, client, tmp_path, forged)
    assert result.exit_code == 1, result.output
    assert "SIGNATURE VALID" not in result.output
    assert "NOT VALID: the printed transcript does not match the signed record" in result.output
    assert (
        'page 1: the page says "Ofc. Sofia Rivero"; the signed record says "Ofc. Sofia Rivera"'
        in (result.output)
    )
    assert 'page 2: the page says "Ofc. Sofia Rivero · training transcript as of' in (result.output)


def test_a_line_taken_off_the_pages_is_named(client, runner, make, sign_in, history, tmp_path):
    h = history(years=2)
    _, pdf = downloaded(client, sign_in, h.officer, tmp_path)
    facts = json.loads(make.db.scalars(select(IssuedTranscript.record)).one())
    [index] = [i for i, p in enumerate(facts["imported"]) if p["source"].startswith("Training")]
    # The spreadsheet's record is blanked out of the page, every cell of its row.
    plain = uncompressed(pdf, tmp_path).read_bytes()
    mark = b"/LMSTranscript << /Row " + text_string(f"imported {index}")
    start = plain.index(mark)
    end = plain.index(b"EMC\n", plain.rindex(mark)) + 4
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(plain[:start] + b" " * (end - start) + plain[end:])
    result = run_verify(runner, client, tmp_path, forged)
    assert result.exit_code == 1, result.output
    [difference] = [line for line in result.output.splitlines() if "does not show" in line]
    assert difference.startswith("  imported record ALERRT Active-Shooter Response Refresher")
    assert difference.endswith(
        "(imported from TrainingSheet 2015.xlsx): signed in the record, "
        "but the page does not show it"
    )


def test_a_record_rebuilt_around_the_old_signature_is_not_valid(
    app, client, runner, make, sign_in, history, tmp_path
):
    h = history()
    sign_in(h.officer)
    serial, data = issue_and_download(client, h.officer)
    stored = make.db.scalars(select(IssuedTranscript)).one()
    facts = json.loads(stored.record)
    facts["completions"][0]["hours"] = "80"
    payload = f"http://localhost/training/verify/transcripts/{serial}?sig={stored.key_id}.{stored.signature}"
    with app.app_context():
        forged_pdf = files.renderer().render(record.canonical(facts), payload)
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(forged_pdf)
    result = run_verify(runner, client, tmp_path, forged)
    assert result.exit_code == 1, result.output
    assert "NOT VALID: this transcript's signature does not match its embedded record" in (
        result.output
    )


def test_a_record_revoked_since_issue_makes_it_not_current(
    client, runner, make, sign_in, history, tmp_path
):
    h = history(years=2)
    _, pdf = downloaded(client, sign_in, h.officer, tmp_path)
    revoke(make, h.completions[0])
    result = run_verify(runner, client, tmp_path, pdf)
    assert result.exit_code == 1, result.output
    assert "SIGNATURE VALID" in result.output
    assert "pages:        all" in result.output
    assert "live status: 1 record on it revoked since issue:" in result.output
    assert "ALERRT Active-Shooter Response Refresher (ALERRT-REFRESH-" in result.output
