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
    """Check a certificate's signature: TARGET is a serial, a QR payload or a PDF file.

    A PDF is checked from its embedded record alone, and its page must show the
    name, course and dates that record signs; a serial or a QR payload is looked
    up in the database. Exits 0 only for a valid, current certificate.
    """
    public_keys, source = _load_keys(keys_file)
    pdf = None
    path = Path(target)
    if target.lower().endswith(".pdf") or path.is_file():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {target}: {exc}") from None
        pdf = offline.read_pdf(data)
        try:
            fields, token = signing.fields_from_attestation((pdf and pdf.record) or {})
        except KeyError:
            click.echo("NOT VALID: no certificate record from this LMS in this PDF")
            raise SystemExit(1) from None
    else:
        payload = signing.parse_payload(target)
        serial = payload.serial if payload else signing.normalize_serial(target)
        certificate = queries.certificate_by_serial(serial) if serial else None
        if certificate is None:
            click.echo("NOT VALID: no certificate has this serial")
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
