"""The public verify page, the published keys and `flask lms verify`, as outsiders use them."""

from __future__ import annotations

import json
import os
import re
import stat
from datetime import date
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from lms.core import local_today
from lms.credentials import operations, printing, signing
from lms.credentials.cli import certificate_keys_command, verify_command
from lms.credentials.keys import key_id_for, keys_from_jwks
from lms.models import Certificate, Role

from .support import read_qr

NOT_VALID = "No valid certificate matches this serial and signature."


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def rendered(app, cert) -> bytes:
    with app.test_request_context():
        return printing.render_pdf(cert)


def test_scanning_the_printed_qr_code_opens_a_page_that_says_valid(app, client, issued, tmp_path):
    cls, cert = issued()
    pdf = rendered(app, cert)
    [payload] = read_qr(pdf, tmp_path)
    assert payload.startswith(f"http://localhost/training/verify/{cert.display_serial}?sig=")
    page = client.get(path_of(payload))  # nobody signed in
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    for expected in (
        "Valid certificate",
        "Ofc. Sofia Rivera",
        "ALERRT Active-Shooter Response Refresher",
        "Missoula Police Department",
        cert.completed_on.strftime("%d %b %Y"),
        cert.expires_on.strftime("%d %b %Y"),
        "The signature in the scanned code matches this record",
    ):
        assert expected in body


def test_a_typed_serial_is_found_in_any_case_and_grouping(client, issued):
    _, cert = issued()
    typed = cert.serial.lower()
    response = client.get(f"/training/verify/?serial={typed}")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Valid certificate" in page and "Ofc. Sofia Rivera" in page
    # The verdict once, its badge the heading itself (not "Valid certificate Valid").
    verdict = re.search(r'<h2 id="verdict">(.*?)</h2>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", verdict).split() == ["Valid", "certificate"]


def test_unknown_malformed_and_tampered_all_get_the_same_not_valid(client, issued):
    _, cert = issued()
    good_token = f"{cert.key_id}.{cert.signature}"
    flipped = (
        cert.signature[:10] + ("A" if cert.signature[10] != "A" else "B") + cert.signature[11:]
    )
    forger = Ed25519PrivateKey.generate()
    forged = signing.b64url(forger.sign(signing.message(signing.signed_fields(cert))))
    answers = [
        client.get(f"/training/verify/{signing.display_serial(signing.new_serial())}"),
        client.get("/training/verify/not-a-serial"),
        client.get(f"/training/verify/{cert.display_serial}?sig={cert.key_id}.{flipped}"),
        client.get(f"/training/verify/{cert.display_serial}?sig=ffffffffff.{forged}"),
        client.get(f"/training/verify/{cert.display_serial}?sig={cert.key_id}.{forged}"),
        client.get(f"/training/verify/{cert.display_serial}?sig=garbage"),
    ]
    bodies = {a.get_data(as_text=True) for a in answers}
    assert {a.status_code for a in answers} == {404}
    assert len(bodies) == 1  # nothing tells a forger which part was wrong
    assert NOT_VALID in bodies.pop()
    ok = client.get(f"/training/verify/{cert.display_serial}?sig={good_token}")
    assert ok.status_code == 200


def test_a_changed_field_no_longer_verifies(client, make, issued):
    _, cert = issued()
    make.db.execute(
        text("UPDATE lms_certificate SET holder_name = 'Ofc. Someone Else' WHERE id = :id"),
        {"id": cert.id},
    )
    make.db.commit()
    response = client.get(f"/training/verify/{cert.display_serial}")
    assert response.status_code == 404
    assert NOT_VALID in response.get_data(as_text=True)


def test_revoked_says_revoked_with_its_date(client, make, issued):
    cls, cert = issued()
    operations.revoke_certificate(cls.instructor, cert.id, "Attendance record was wrong.")
    make.db.commit()
    response = client.get(f"/training/verify/{cert.display_serial}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Revoked certificate" in page
    assert f"revoked on {local_today().strftime('%a %d %b %Y')}" in page
    assert "Attendance record was wrong." not in page  # the reason stays internal


def test_superseded_links_to_its_replacement(client, make, issued):
    cls, cert = issued()
    new = operations.correct_certificate(
        cls.instructor, cert.id, "Name misspelled", holder_name="Ofc. Sofía Rivera"
    )
    make.db.commit()
    page = client.get(f"/training/verify/{cert.display_serial}").get_data(as_text=True)
    assert "Superseded certificate" in page
    assert f'href="/training/verify/{new.display_serial}"' in page
    replacement = client.get(f"/training/verify/{new.display_serial}").get_data(as_text=True)
    assert "Valid certificate" in replacement and "Ofc. Sofía Rivera" in replacement


def test_an_expired_certificate_says_expired(client, issued):
    _, cert = issued(held_days_ago=400)
    assert cert.expires_on < date.today()
    page = client.get(f"/training/verify/{cert.display_serial}").get_data(as_text=True)
    assert "Expired certificate" in page
    assert f"lapsed on {cert.expires_on.strftime('%a %d %b %Y')}" in page


def test_the_verify_page_is_rate_limited(client, issued):
    _, cert = issued()
    codes = [client.get(f"/training/verify/{cert.display_serial}").status_code for _ in range(62)]
    assert codes[0] == 200
    assert codes[-1] == 429


def test_published_keys_verify_a_certificate_and_the_private_key_is_private(app, client, issued):
    _, cert = issued()
    response = client.get("/training/verify/keys.json")
    assert response.status_code == 200
    document = response.get_json()
    [entry] = document["keys"]
    assert entry["kid"] == cert.key_id and entry["crv"] == "Ed25519" and entry["active"]
    keys = keys_from_jwks(document)
    token = signing.parse_token(f"{cert.key_id}.{cert.signature}")
    assert signing.verify(signing.signed_fields(cert), token, keys)
    key_file = os.path.join(app.config["LMS_KEY_DIR"], f"{cert.key_id}.key")
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert "PRIVATE" not in response.get_data(as_text=True)


def test_a_rotated_key_signs_new_certificates_and_old_ones_still_verify(
    app, client, make, runner, issued
):
    cls, old = issued()
    result = runner.invoke(certificate_keys_command, ["--rotate"])
    assert result.exit_code == 0, result.output
    make.db.expire_all()
    new = operations.correct_certificate(cls.instructor, old.id, "Reissue under the new key")
    make.db.commit()
    assert new.key_id != old.key_id
    kids = {k["kid"] for k in client.get("/training/verify/keys.json").get_json()["keys"]}
    assert kids == {old.key_id, new.key_id}
    assert client.get(f"/training/verify/{new.display_serial}").status_code == 200
    assert "Superseded" in client.get(f"/training/verify/{old.display_serial}").get_data(
        as_text=True
    )


# --- flask lms verify ----------------------------------------------------------------


def test_cli_checks_a_serial_a_qr_payload_and_a_pdf(app, client, runner, issued, tmp_path):
    cls, cert = issued()
    by_serial = runner.invoke(verify_command, [cert.display_serial])
    assert by_serial.exit_code == 0, by_serial.output
    assert "SIGNATURE VALID" in by_serial.output and "live status: valid" in by_serial.output

    with app.test_request_context():
        payload = signing.qr_payload(printing.verify_url(cert), cert)
    assert runner.invoke(verify_command, [payload]).exit_code == 0
    tampered = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")
    bad = runner.invoke(verify_command, [tampered])
    assert bad.exit_code == 1 and "NOT VALID" in bad.output

    # Offline: the PDF and the published key set, nothing else.
    pdf = tmp_path / "certificate.pdf"
    pdf.write_bytes(rendered(app, cert))
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps(client.get("/training/verify/keys.json").get_json()))
    offline = runner.invoke(verify_command, [str(pdf), "--keys", str(keys)])
    assert offline.exit_code == 0, offline.output
    assert "holder:       Ofc. Sofia Rivera" in offline.output

    forged = tmp_path / "forged.pdf"
    forged.write_bytes(
        pdf.read_bytes().replace(
            "Ofc. Sofia Rivera".encode("utf-16-be").hex().upper().encode(),
            "Ofc. Sofia Rivero".encode("utf-16-be").hex().upper().encode(),
        )
    )
    assert forged.read_bytes() != pdf.read_bytes()
    result = runner.invoke(verify_command, [str(forged), "--keys", str(keys)])
    assert result.exit_code == 1 and "NOT VALID" in result.output

    other_keys = tmp_path / "other.json"
    other = Ed25519PrivateKey.generate().public_key()
    other_keys.write_text(
        json.dumps(
            {
                "keys": [
                    {
                        "kty": "OKP",
                        "crv": "Ed25519",
                        "kid": key_id_for(other),
                        "x": signing.b64url(other.public_bytes_raw()),
                    }
                ]
            }
        )
    )
    unknown = runner.invoke(verify_command, [str(pdf), "--keys", str(other_keys)])
    assert unknown.exit_code == 1 and "NOT VALID" in unknown.output


def test_cli_reports_a_revoked_certificate(runner, make, issued):
    cls, cert = issued()
    operations.revoke_certificate(cls.instructor, cert.id, "Issued in error")
    make.db.commit()
    result = runner.invoke(verify_command, [cert.serial])
    assert result.exit_code == 1
    assert "SIGNATURE VALID" in result.output and "live status: revoked" in result.output


def test_revocation_needs_an_admin_or_the_issuer(make, issued):
    cls, cert = issued()
    other_instructor = make.person(Role.INSTRUCTOR, organization=cls.department)
    with pytest.raises(operations.CertificateError, match="administrator or the issuing"):
        operations.revoke_certificate(other_instructor, cert.id, "no")
    admin = make.person(Role.ADMIN)
    operations.revoke_certificate(admin, cert.id, "Fraudulent roster")
    make.db.commit()
    stored = make.db.get(Certificate, cert.id)
    assert stored.status.value == "revoked" and stored.revoke_reason == "Fraudulent roster"
    with pytest.raises(operations.CertificateError, match="already revoked"):
        operations.revoke_certificate(admin, cert.id, "again")


def test_a_name_with_markup_is_shown_as_text_on_the_public_page(client, issued):
    _, cert = issued(names=('<script>alert("x")</script> Ofc. Lee',))
    page = client.get(f"/training/verify/{cert.display_serial}").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Ofc. Lee" in page
    assert '<script>alert("x")</script>' not in page


def test_the_keys_command_lists_the_signing_key(runner, issued):
    _, cert = issued()
    result = runner.invoke(certificate_keys_command, [])
    assert result.exit_code == 0
    assert f"{cert.key_id}  (signs new certificates)" in result.output
