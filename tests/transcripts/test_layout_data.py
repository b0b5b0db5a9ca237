"""The transcript's layout is data, like a certificate's: shipped, restyled, checked."""

from __future__ import annotations

import copy
import io
import json
import shutil

import pytest
from pypdf import PdfReader

from lms.core import registries
from lms.credentials.cli import verify_command
from lms.credentials.layouts import LayoutError
from lms.plugins import TranscriptLayout
from lms.resources import layouts_dir
from lms.transcripts.spec import parse_transcript_layout

from .support import pages
from .test_offline_verify import published_keys
from .test_pdf import issue_and_download

SHIPPED = layouts_dir() / "transcript" / "layout.json"


def shipped_spec() -> dict:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def test_the_shipped_layout_is_registered_and_listed(app, runner):
    assert "transcript" in registries().transcript_layouts
    assert "transcript" not in registries().certificate_layouts  # not offered to courses
    result = runner.invoke(args=["lms", "plugins"])
    assert "Transcript layouts: transcript" in result.output


def test_a_department_restyles_the_transcript_with_its_own_layout(
    app, client, runner, sign_in, history, tmp_path
):
    folder = tmp_path / "county-transcript"
    folder.mkdir()
    shutil.copy(layouts_dir() / "shared" / "art" / "department-seal.png", folder / "crest.png")
    spec = shipped_spec()
    spec.update(name="county-transcript", label="County transcript")
    spec["page"]["size"] = "a4"
    spec["seal"]["src"] = "crest.png"
    spec["colors"]["accent"] = "#7a1f1f"
    spec["texts"]["title"] = "Official Training Record"
    completions = next(s for s in spec["sections"] if s["rows"] == "completions")
    completions["title"] = "Courses attended"
    completions["columns"][1].update(title="Course taken", text="{course_code}: {course}")
    (folder / "layout.json").write_text(json.dumps(spec))
    registries().transcript_layouts.register(TranscriptLayout.from_file(folder / "layout.json"))
    app.config["LMS_TRANSCRIPT_LAYOUT"] = "county-transcript"

    h = history(years=2)
    sign_in(h.officer)
    _, data = issue_and_download(client, h.officer)
    text = " ".join(" ".join(pages(data)).split())
    assert "Official Training Record" in text and "Training Transcript" not in text
    assert "Courses attended" in text and "Course taken" in text
    assert "ALERRT-REFRESH-" in text and ": ALERRT Active-Shooter Response Refresher" in text
    width, height = PdfReader(io.BytesIO(data)).pages[0].mediabox[2:]
    assert (round(float(width)), round(float(height))) == (595, 842)  # A4
    # The restyled file still reads back against its signed record, offline.
    pdf = tmp_path / "restyled.pdf"
    pdf.write_bytes(data)
    result = runner.invoke(verify_command, [str(pdf), "--keys", published_keys(client, tmp_path)])
    assert result.exit_code == 0, result.output
    assert "document:     training transcript" in result.output


def _broken(change) -> dict:
    spec = copy.deepcopy(shipped_spec())
    change(spec)
    return spec


@pytest.mark.parametrize(
    "change, message",
    [
        (
            lambda s: s["sections"][0]["columns"][0].update(width=8000),
            "transcript layout 'transcript' section 1: a column is narrower than 12 points",
        ),
        (
            lambda s: s["sections"][1]["columns"][0].update(text="{badge}"),
            "section 2 column 1 text: unknown placeholder {badge}",
        ),
        (
            lambda s: s["texts"].update(record_line="As of {as_of:iso}"),
            "text 'record_line': unknown format 'iso'",
        ),
        (
            lambda s: s["texts"].update(qr_caption="Scan for {holder}"),
            "text 'qr_caption': unknown placeholder {holder}",
        ),
        (lambda s: s["sections"].pop(2), "the sections must show each of"),
        (lambda s: s["sizes"].pop("cell"), "'sizes' lacks 'cell'"),
        (lambda s: s["colors"].update(rule="grey"), "color 'rule'"),
        (lambda s: s["fonts"].update(bold="../../etc/passwd"), "leaves the layout's folder"),
    ],
)
def test_broken_layout_data_is_refused_saying_what_is_wrong(change, message):
    with pytest.raises(LayoutError, match=message.replace("{", r"\{").replace("}", r"\}")):
        parse_transcript_layout(_broken(change), SHIPPED.parent, layouts_dir() / "shared")


def test_a_layout_broken_after_start_answers_503_with_the_reason(
    app, client, sign_in, history, tmp_path
):
    spec = shipped_spec()
    spec.update(name="half-done")
    spec["sections"][0]["columns"][0]["width"] = 8000
    registries().transcript_layouts.register(TranscriptLayout.from_spec(spec, tmp_path))
    app.config["LMS_TRANSCRIPT_LAYOUT"] = "half-done"
    h = history()
    sign_in(h.officer)
    response = client.submit(
        f"/training/transcripts/people/{h.officer.id}",
        {},
        action=f"/training/transcripts/people/{h.officer.id}/issue",
    )
    download = client.get(response.headers["Location"])
    assert download.status_code == 503
    assert "a column is narrower than 12 points" in download.get_data(as_text=True)
