"""``flask lms verify`` and ``flask lms certificate-keys``.

The host attaches these to the ``lms`` command group::

    lms_cli.add_command(verify_command)
    lms_cli.add_command(certificate_keys_command)
"""

from __future__ import annotations

import json
from pathlib import Path

import click
from sqlalchemy.exc import SQLAlchemyError

from ..core import local_today
from ..transcripts import offline as transcript_offline
from ..transcripts import queries as transcript_queries
from ..transcripts import record as transcript_record
from . import offline, queries, signing
from .keys import keys_from_jwks


def _load_keys(keys_file: str | None):
    if keys_file is None:
        return queries.key_store().public_keys(), "the key folder"
    try:
        document = json.loads(Path(keys_file).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"cannot read the key set {keys_file}: {exc}") from None
    return keys_from_jwks(document), keys_file


def _live_status(serial: str) -> tuple[str, bool]:
    """The database's word on a serial: (text, still valid)."""
    try:
        certificate = queries.certificate_by_serial(serial)
    except SQLAlchemyError:
        return "live status: the database is not reachable", False
    if certificate is None:
        return "live status: no certificate with this serial in this database", False
    state = certificate.state_on(local_today())
    text = f"live status: {state.label.lower()}"
    if certificate.revoked_at:
        text += f" (revoked {certificate.revoked_at.date().isoformat()})"
    if certificate.superseded_by:
        text += f" (replaced by {certificate.superseded_by.display_serial})"
    return text, state.value == "valid"


def _describe(fields: list[str]) -> list[str]:
    record = dict(zip(signing.FIELD_NAMES, fields, strict=True))
    return [
        "document:     certificate",
        f"serial:       {signing.display_serial(record['serial'])}",
        f"holder:       {record['holder']}",
        f"course:       {record['course']} ({record['course_code']})",
        f"completed:    {record['completed']}",
        f"expires:      {record['expires'] or 'never'}",
        f"organization: {record['organization']}",
    ]


def _check_page(pdf: offline.CertificatePdf, fields: list[str]) -> None:
    """Refuse a PDF whose page says otherwise than its (genuinely signed) record."""
    try:
        differences = offline.page_differences(pdf, fields)
    except ValueError as exc:
        click.echo(f"NOT VALID: {exc}")
        raise SystemExit(1) from None
    if not differences:
        return
    click.echo(
        "NOT VALID: the printed page does not match the signed record"
        " (the page was changed after the certificate was signed)"
    )
    for difference in differences:
        click.echo("  " + difference.describe())
    click.echo("The signed record:")
    for line in _describe(fields):
        click.echo("  " + line)
    raise SystemExit(1)


@click.command("verify")
@click.argument("target")
@click.option(
    "--keys",
    "keys_file",
    type=click.Path(dir_okay=False),
    help="A published key set (keys.json) to check against, instead of the key folder.",
)
def verify_command(target: str, keys_file: str | None) -> None:
    """Check a certificate's or transcript's signature: TARGET is a serial, a QR payload or a PDF.

    A PDF is checked from its embedded record alone, and its pages must show
    what that record signs (a certificate's name, course and dates; every line
    of a transcript); a serial or a QR payload is looked up in the database.
    Exits 0 only for a valid, current certificate, or a genuine transcript none
    of whose records was revoked since it was issued.
    """
    public_keys, source = _load_keys(keys_file)
    pdf = None
    path = Path(target)
    if target.lower().endswith(".pdf") or path.is_file():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {target}: {exc}") from None
        transcript = transcript_offline.read_pdf(data)
        if transcript is not None:
            _verify_transcript_pdf(transcript, public_keys, source)
            return
        pdf = offline.read_pdf(data)
        try:
            fields, token = signing.fields_from_attestation((pdf and pdf.record) or {})
        except KeyError:
            click.echo("NOT VALID: no certificate or transcript record from this LMS in this PDF")
            raise SystemExit(1) from None
    else:
        payload = signing.parse_payload(target)
        serial = payload.serial if payload else signing.normalize_serial(target)
        certificate = queries.certificate_by_serial(serial) if serial else None
        if certificate is None:
            if serial and transcript_queries.transcript_by_serial(serial):
                _verify_transcript_serial(serial)
                return
            click.echo("NOT VALID: no certificate or transcript has this serial")
            raise SystemExit(1)
        fields = signing.signed_fields(certificate)
        token = (
            payload.token
            if payload
            else signing.parse_token(f"{certificate.key_id}.{certificate.signature}")
        )
    if not signing.verify(fields, token, public_keys):
        click.echo(f"NOT VALID: the signature does not match (keys from {source})")
        raise SystemExit(1)
    if pdf is not None:
        _check_page(pdf, fields)
    click.echo(f"SIGNATURE VALID (Ed25519 key {token.key_id}, from {source})")
    for line in _describe(fields):
        click.echo("  " + line)
    if pdf is not None:
        click.echo("  page:         matches the signed record (name, course, dates)")
    status, current = _live_status(fields[1])
    click.echo("  " + status)
    if not current:
        raise SystemExit(1)


# --- transcripts ------------------------------------------------------------------------


def _describe_transcript(facts: dict) -> list[str]:
    counts = (
        f"{len(facts['completions'])} completed here, "
        f"{len(facts['certifications'])} certification cycles, "
        f"{len(facts['imported'])} imported"
    )
    return [
        "document:     training transcript",
        f"serial:       {signing.display_serial(facts['serial'])}",
        f"holder:       {facts['holder']}",
        f"record as of: {facts['as_of']}",
        f"issued:       {facts['issued']} by {facts['issuer']}",
        f"records:      {counts}",
    ]


def _verify_transcript_pdf(pdf: transcript_offline.TranscriptPdf, public_keys, source) -> None:
    """A transcript PDF: its signature, then its pages against the record, then the database."""
    facts = transcript_offline.parse_record(pdf.record)
    token = signing.parse_token(pdf.token)
    if facts is None or not transcript_record.verify(pdf.record, token, public_keys):
        click.echo(
            "NOT VALID: this transcript's signature does not match its embedded record"
            f" (keys from {source})"
        )
        raise SystemExit(1)
    differences = transcript_offline.page_differences(pdf, facts)
    if differences:
        click.echo(
            "NOT VALID: the printed transcript does not match the signed record"
            " (the pages were changed after the transcript was signed)"
        )
        for difference in differences:
            click.echo("  " + difference.describe())
        click.echo("The signed record:")
        for line in _describe_transcript(facts):
            click.echo("  " + line)
        raise SystemExit(1)
    click.echo(f"SIGNATURE VALID (Ed25519 key {token.key_id}, from {source})")
    for line in _describe_transcript(facts):
        click.echo("  " + line)
    pages = max((mark.page for mark in pdf.marks), default=0)
    click.echo(
        f"  pages:        all {pages} match the signed record"
        if pages
        else "  pages:        show the holder and serial the record signs"
    )
    status, current = _transcript_status(facts["serial"], transcript_record.sha256(pdf.record))
    click.echo("  " + status)
    if not current:
        raise SystemExit(1)


def _transcript_status(serial: str, record_sha256: str) -> tuple[str, bool]:
    """The database's word on a transcript: (text, nothing on it revoked since)."""
    try:
        found = transcript_queries.verify(serial)
    except SQLAlchemyError:
        return "live status: the database is not reachable", False
    if found is None:
        return "live status: no genuine transcript with this serial in this database", False
    if found.transcript.record_sha256 != record_sha256:
        return "live status: this database holds another record under this serial", False
    return _revocations(found)


def _revocations(found: transcript_queries.Verification) -> tuple[str, bool]:
    """What was revoked on a genuine transcript since it was issued: (text, nothing)."""
    if not found.revoked_since:
        return "live status: genuine; no record on it was revoked since it was issued", True
    count = len(found.revoked_since)
    lines = [f"live status: {count} record{'' if count == 1 else 's'} on it revoked since issue:"]
    return "\n    ".join(lines + found.revoked_since), False


def _verify_transcript_serial(serial: str) -> None:
    """A transcript's serial: the record the database keeps, checked with the key folder."""
    found = transcript_queries.verify(serial)
    if found is None:
        click.echo("NOT VALID: the stored transcript's signature does not match its record")
        raise SystemExit(1)
    click.echo(f"SIGNATURE VALID (Ed25519 key {found.transcript.key_id}, from the key folder)")
    for line in _describe_transcript(found.facts):
        click.echo("  " + line)
    status, current = _revocations(found)
    click.echo("  " + status)
    if not current:
        raise SystemExit(1)


@click.command("certificate-keys")
@click.option("--rotate", is_flag=True, help="Make a new signing key; old ones stay published.")
def certificate_keys_command(rotate: bool) -> None:
    """List the certificate signing keys (and where they are kept)."""
    store = queries.key_store()
    if rotate:
        key = store.rotate()
        click.echo(f"New signing key {key.key_id}.")
    active = store.active_key_id()
    click.echo(f"Key folder: {store.directory}")
    keys = store.public_keys()
    if not keys:
        click.echo("No keys yet: the first certificate issued creates one.")
    for key_id in sorted(keys):
        click.echo(f"  {key_id}{'  (signs new certificates)' if key_id == active else ''}")
