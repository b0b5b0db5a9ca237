"""Reads of the certificates feature: who may see what, verification, rendering inputs."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app, has_request_context, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth.policy import can_revoke_certificate, coordinates_session, teaches
from ..core import db_session, local_today, registries, state
from ..dates import add_months
from ..models import (
    Certificate,
    Certification,
    Completion,
    CourseSession,
    Person,
)
from ..models.certificates import CertificateState, CertificateStatus
from ..plugins import UnknownPluginError
from ..resources import layouts_dir
from ..status.queries import is_current
from . import signing
from .keys import KeyStore
from .layouts import LayoutError, LayoutSpec, parse_layout
from .pdf import ImageError, PdfImage
from .render import Branding, PreparedLayout, image_for, render_merged

# --- application state: keys and layouts --------------------------------------------


def key_store() -> KeyStore:
    """This app's signing keys (``LMS_KEY_DIR``, default ``<instance>/keys``)."""
    extras = state().extras
    store = extras.get("credential_keys")
    if store is None:
        folder = current_app.config.get("LMS_KEY_DIR") or Path(current_app.instance_path) / "keys"
        store = extras["credential_keys"] = KeyStore(Path(folder))
    return store


class LayoutUnavailable(RuntimeError):
    """A certificate's layout is not installed or its data is broken."""


def layout_spec(name: str) -> LayoutSpec:
    """The checked layout registered under ``name`` (parsed once per app)."""
    cache: dict = state().extras.setdefault("credential_layout_specs", {})
    try:
        plugin = registries().certificate_layouts.get(name)
    except UnknownPluginError:
        raise LayoutUnavailable(f"the certificate layout {name!r} is not installed") from None
    found = cache.get(id(plugin))
    if found is None or found[0] is not plugin:
        try:
            spec = parse_layout(plugin.spec, plugin.base_dir, layouts_dir() / "shared")
        except LayoutError as exc:
            raise LayoutUnavailable(str(exc)) from None
        found = cache[id(plugin)] = (plugin, spec)
    return found[1]


def organization_logo(certificate: Certificate) -> tuple[str, PdfImage] | None:
    """The issuing organization's logo (and a cache key), read only from ``LMS_BRANDING_DIR``."""
    relative = certificate.organization.logo_path if certificate.organization else None
    if not relative:
        return None
    root = Path(
        current_app.config.get("LMS_BRANDING_DIR") or Path(current_app.instance_path) / "branding"
    ).resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        current_app.logger.warning("logo %r of organization is not in %s", relative, root)
        return None
    try:
        return f"{path}:{path.stat().st_mtime_ns}", image_for(path)
    except ImageError as exc:
        current_app.logger.warning("logo %s unusable: %s", path, exc)
        return None


def prepared_layout(certificate: Certificate) -> PreparedLayout:
    """The layout of ``certificate`` ready for its organization (built once, then reused)."""
    logo = organization_logo(certificate)
    page_size = current_app.config.get("LMS_CERTIFICATE_PAGE_SIZE")
    key = (
        certificate.layout_key,
        certificate.organization_name,
        logo[0] if logo else None,
        page_size,
    )
    cache: dict = state().extras.setdefault("credential_prepared_layouts", {})
    prepared = cache.get(key)
    if prepared is None:
        spec = layout_spec(certificate.layout_key)
        try:
            prepared = PreparedLayout(
                spec, Branding(certificate.organization_name, logo[1] if logo else None), page_size
            )
        except (LayoutError, ImageError, OSError) as exc:
            raise LayoutUnavailable(f"layout {spec.name!r}: {exc}") from None
        if len(cache) > 256:
            cache.clear()
        cache[key] = prepared
    return prepared


class NoPublicAddress(RuntimeError):
    """Certificates are printed outside a request and no public address is configured."""


def verify_url(certificate: Certificate) -> str:
    """The public page of ``certificate``: under ``LMS_PUBLIC_URL`` when set, else this host."""
    public = current_app.config.get("LMS_PUBLIC_URL")
    if public:
        return f"{public.rstrip('/')}{state().url_prefix}/verify/{certificate.display_serial}"
    if not has_request_context() and not current_app.config.get("SERVER_NAME"):
        raise NoPublicAddress(
            "set LMS_PUBLIC_URL (e.g. https://training.example.gov) to print certificates "
            "outside a web request"
        )
    return url_for("lms.credentials.verify", serial=certificate.display_serial, _external=True)


def render_pdf(certificate: Certificate) -> bytes:
    return prepared_layout(certificate).render(certificate, verify_url(certificate))


def render_zip(certificates: list[Certificate]) -> bytes:
    """Each certificate's PDF in one ZIP, named after its holder and serial."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for certificate in certificates:
            archive.writestr(pdf_filename(certificate), render_pdf(certificate))
    return buffer.getvalue()


def render_printable(certificates: list[Certificate], title: str) -> bytes:
    """The certificates as one PDF, a page each, for printing."""
    items = [(c, prepared_layout(c)) for c in certificates]
    return render_merged(items, verify_url, title=title, author=certificates[0].organization_name)


def pdf_filename(certificate: Certificate) -> str:
    """``certificate-Sofia-Rivera-7KQ2-M9XA.pdf``: ASCII, no path characters."""
    name = "".join(c if c.isascii() and c.isalnum() else "-" for c in certificate.holder_name)
    name = "-".join(part for part in name.split("-") if part)[:60] or "holder"
    return f"certificate-{name}-{certificate.display_serial[:9]}.pdf"


# --- who may do what --------------------------------------------------------------


def issue_refusal(person: Person, session: CourseSession, day: date | None = None) -> str | None:
    """Why ``person`` may not issue certificates for ``session`` (None: they may).

    Staff of the session's organization may; so may a lead or assistant
    instructor of the session who is current on the course's instructor track
    (when the course has one).
    """
    if coordinates_session(person, session):
        return None
    if not teaches(person, session):
        return "You may issue certificates only for sessions you teach."
    track = session.course.instructor_track
    if track is not None and not is_current(person.id, track, day):
        return f"Your {track.name} certification is not current, so you cannot sign certificates."
    return None


def can_correct(viewer: Person, certificate: Certificate) -> bool:
    """Whoever may issue for the session (a correction is a new issue) or revoke it."""
    return can_revoke_certificate(viewer, certificate) or (
        issue_refusal(viewer, certificate.completion.session) is None
    )


# --- lookups ------------------------------------------------------------------------


def certificate_by_serial(text: str) -> Certificate | None:
    serial = signing.normalize_serial(text)
    if serial is None:
        return None
    return db_session().scalar(select(Certificate).where(Certificate.serial == serial))


def live_certificate(completion_id: int) -> Certificate | None:
    """The certificate of a completion that no correction has replaced."""
    return db_session().scalar(
        select(Certificate).where(
            Certificate.completion_id == completion_id,
            Certificate.status != CertificateStatus.SUPERSEDED,
        )
    )


def expiry_for(completion: Completion) -> date | None:
    """The expiry of the live certification cycle this completion granted, when there is one."""
    track = completion.course.grants_track
    if track is None:
        return None
    cycle_expiry = db_session().scalar(
        select(Certification.expires_on).where(
            Certification.completion_id == completion.id, Certification.revoked_at.is_(None)
        )
    )
    if cycle_expiry is not None:
        return cycle_expiry
    return add_months(completion.completed_on, track.validity_months)


@dataclass
class RosterRow:
    completion: Completion
    certificate: Certificate | None


def session_roster(session: CourseSession) -> list[RosterRow]:
    """The session's completions with their live certificates, by holder name."""
    completions = list(
        db_session()
        .scalars(
            select(Completion)
            .where(Completion.session_id == session.id)
            .options(selectinload(Completion.person))
        )
        .unique()
    )
    certificates = {
        c.completion_id: c
        for c in db_session().scalars(
            select(Certificate).where(
                Certificate.completion_id.in_([c.id for c in completions] or [-1]),
                Certificate.status != CertificateStatus.SUPERSEDED,
            )
        )
    }
    rows = [RosterRow(c, certificates.get(c.id)) for c in completions]
    rows.sort(key=lambda r: r.completion.person.full_name.casefold())
    return rows


def session_certificates(session_id: int) -> list[Certificate]:
    """The live certificates of a session (revoked ones are not handed out)."""
    return list(
        db_session().scalars(
            select(Certificate)
            .join(Completion, Completion.id == Certificate.completion_id)
            .where(
                Completion.session_id == session_id,
                Certificate.status == CertificateStatus.ISSUED,
            )
            .order_by(Certificate.holder_name, Certificate.id)
        )
    )


def person_certificates(person_id: int) -> list[Certificate]:
    """Everything issued to a person, newest first (history included)."""
    return list(
        db_session().scalars(
            select(Certificate)
            .where(Certificate.person_id == person_id)
            .order_by(Certificate.issued_on.desc(), Certificate.id.desc())
        )
    )


def group_certificates(organization_id: int) -> list[Certificate]:
    """Live certificates of a community group's people."""
    return list(
        db_session().scalars(
            select(Certificate)
            .join(Person, Person.id == Certificate.person_id)
            .where(
                Person.organization_id == organization_id,
                Certificate.status == CertificateStatus.ISSUED,
            )
            .order_by(Certificate.holder_name, Certificate.issued_on.desc())
        )
    )


# --- verification -------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the public page may say about a certificate that checked out."""

    certificate: Certificate
    state: CertificateState
    checked_token: bool  # a QR signature came with the request and matched
    replacement: Certificate | None

    @property
    def key_id(self) -> str | None:
        return self.certificate.key_id


def verify(serial_text: str, token_text: str | None = None, day: date | None = None):
    """A :class:`Verification`, or None for "not valid" whatever the reason.

    Unknown and malformed serials, a stored record whose signature no longer
    matches its fields, and a QR signature that does not match all answer None,
    so the page cannot be used to learn what a forger got wrong.
    """
    certificate = certificate_by_serial(serial_text)
    if certificate is None:
        return None
    fields = signing.signed_fields(certificate)
    stored = signing.parse_token(
        f"{certificate.key_id}.{certificate.signature}" if certificate.signature else None
    )
    public_keys = key_store().public_keys()
    if stored is not None and stored.key_id not in public_keys:
        public_keys = key_store().public_keys(refresh=True)  # rotated by another process
    if not signing.verify(fields, stored, public_keys):
        return None
    checked = False
    if token_text is not None:
        if not signing.verify(fields, signing.parse_token(token_text), public_keys):
            return None
        checked = True
    return Verification(
        certificate=certificate,
        state=certificate.state_on(day or local_today()),
        checked_token=checked,
        replacement=certificate.superseded_by,
    )
