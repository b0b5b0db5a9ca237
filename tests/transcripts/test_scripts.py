"""Transcripts of officers named in Arabic, Japanese and Devanagari, read back by other tools.

Each transcript is issued and downloaded through the pages, with the course
title, the instructor's name and an imported record's source system written in
other scripts; then qpdf checks the file, poppler says which fonts it embeds
and what text it holds, and ``flask lms verify`` reads the pages against the
signed record. A name no shipped font can print is refused, naming the
character, rather than printed as a box.
"""

from __future__ import annotations

import subprocess

import pytest
from sqlalchemy import func, select

from lms.models import IssuedTranscript
from tests.credentials.support import qpdf_check
from tests.credentials.test_scripts import pdffonts, pdftotext

from .test_offline_verify import run_verify
from .test_pdf import issue_and_download

#: script: (officer's name, course title, instructor's name, source system), each another script.
CASES = {
    "arabic": ("نجيب محفوظ", "銃撃事件対応訓練", "अमिताभ बच्चन", "宮崎 駿"),
    "japanese": ("宮崎 駿", "सक्रिय हमलावर प्रतिक्रिया", "نجيب محفوظ", "سجل التدريب"),
    "devanagari": ("अमिताभ बच्चन", "الاستجابة للمهاجم النشط", "宮崎 駿", "प्रशिक्षण अभिलेख"),
}


def named_history(history, make, name, course, instructor, source):
    h = history(name=name)
    h.completions[0].course.title = course
    h.instructor.full_name = instructor
    h.prior[0].source_system = source
    make.db.commit()
    return h


@pytest.mark.parametrize("script", sorted(CASES))
def test_a_transcript_in_each_script_prints_its_names_and_verifies(
    script, client, runner, make, sign_in, history, tmp_path
):
    name, course, instructor, source = CASES[script]
    h = named_history(history, make, name, course, instructor, source)
    sign_in(h.officer)
    serial, data = issue_and_download(client, h.officer)

    checked = qpdf_check(data, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    fonts = pdffonts(data, tmp_path)
    names = {row[0].split("+", 1)[1] for row in fonts if "+" in row[0]}
    assert {"NotoSansArabic-Regular", "NotoSansDevanagari-Regular"} <= names
    assert any(n.startswith("NotoSansCJK") for n in names)
    for row in fonts:
        if row[0] == "[none]":  # the QR code's Type 3 font
            continue
        emb, sub = row[-5], row[-4]
        assert (emb, sub) == ("yes", "yes"), row

    text = pdftotext(data, tmp_path)
    for value in (name, course, instructor, source):
        assert value in text, (value, text)
    assert "\ufffd" not in text

    pdf = tmp_path / f"{script}.pdf"
    pdf.write_bytes(data)
    result = run_verify(runner, client, tmp_path, pdf)
    assert result.exit_code == 0, result.output
    assert "SIGNATURE VALID" in result.output
    assert f"holder:       {name}" in result.output
    assert "pages:" in result.output and "match the signed record" in result.output
    assert "live status: genuine" in result.output

    if script == "arabic":  # to look at: poppler's rendering of the first page
        subprocess.run(
            ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf)]
            + ["/tmp/transcript-arabic"],
            check=True,
        )


def test_a_name_no_font_prints_is_refused_naming_the_character(client, make, sign_in, history):
    h = history(name="Ofc. Ada 𐀀 Lovelace")
    sign_in(h.officer)
    response = client.submit(
        f"/training/transcripts/people/{h.officer.id}",
        {},
        action=f"/training/transcripts/people/{h.officer.id}/issue",
    )
    # Refused before anything is signed or recorded: no transcript with boxes exists.
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "No transcript for Ofc. Ada 𐀀 Lovelace" in page
    assert "U+10000 LINEAR B SYLLABLE B008 A" in page
    assert response.mimetype == "text/html"
    assert make.db.scalar(select(func.count()).select_from(IssuedTranscript)) == 0
