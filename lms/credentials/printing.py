"""Certificates as files of this app: layouts and logos resolved, then PDF or ZIP bytes.

The renderer (:mod:`lms.credentials.render`) is pure; this module gives it what
only the running app knows (the installed layouts, the organization's logo in
``LMS_BRANDING_DIR``, the public address QR codes point to) and keeps the
prepared layouts for reuse. The same functions serve downloads and the CLI.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask import current_app

from ..core import public_url, registries, state
from ..models import Certificate
from ..plugins import CertificateLayout, UnknownPluginError
from ..resources import layouts_dir
from . import qr
from .batch import certificate_filename, render_merged, zip_of
from .layouts import LayoutError, LayoutSpec, parse_layout, placement_problems
from .pdf import ImageError, PdfImage
from .render import Branding, PreparedLayout, font_for, image_for


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
            spec = checked_layout(plugin)
        except LayoutError as exc:
            raise LayoutUnavailable(str(exc)) from None
        found = cache[id(plugin)] = (plugin, spec)
    return found[1]


def checked_layout(plugin: CertificateLayout) -> LayoutSpec:
    """A layout's data parsed, its fonts read and its placement checked on every paper size.

    LayoutError names the layout and every problem: a missing or unreadable
    font, text or a QR code off the printable area, a QR code too small to scan.
    """
    spec = parse_layout(plugin.spec, plugin.base_dir, layouts_dir() / "shared")

    def readable_font(path: Path):
        try:
            return font_for(path)
        except Exception as exc:  # whatever the font parser raises for a file it cannot read
            raise LayoutError(
                f"layout {spec.name!r}: the font {path.name} cannot be read ({exc})"
            ) from None

    problems = placement_problems(spec, readable_font)
    if problems:
        raise LayoutError(
            f"layout {spec.name!r} places things where they cannot print:\n  "
            + "\n  ".join(problems)
        )
    return spec


def check_installed_layouts(layouts: Iterable[CertificateLayout]) -> None:
    """Refuse to start with a layout that cannot print (LayoutError says which and why)."""
    for plugin in layouts:
        checked_layout(plugin)


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


def verify_url(certificate: Certificate) -> str:
    """The public page of ``certificate`` (under ``LMS_PUBLIC_URL`` when set)."""
    return public_url("lms.credentials.verify", serial=certificate.display_serial)


#: The signature token a QR code carries: ``<key id (10)>.<Ed25519 signature (86)>``.
_TOKEN_LENGTH = 97
_SAMPLE_SERIAL = "0000-0000-0000-0000-0000-0000-0000"


def warm_up() -> None:
    """Build what a process's first certificate would otherwise wait for: the tables
    of the QR code's size this deployment's verification addresses take (about 0.7 s,
    once per process, :func:`lms.credentials.qr.encode`).

    Needs ``LMS_PUBLIC_URL``, without which each request's host makes the address; the
    WSGI entry point calls it before serving.
    """
    if not current_app.config.get("LMS_PUBLIC_URL"):
        return
    url = public_url("lms.credentials.verify", serial=_SAMPLE_SERIAL)
    qr.encode(f"{url}?sig={'0' * _TOKEN_LENGTH}".encode())


def render_pdf(certificate: Certificate) -> bytes:
    """The certificate as a PDF file, its QR code pointing to its public page."""
    return prepared_layout(certificate).render(certificate, verify_url(certificate))


def render_zip(certificates: list[Certificate]) -> bytes:
    """Each certificate's PDF in one ZIP, named after its holder and serial."""
    return zip_of((pdf_filename(c), render_pdf(c)) for c in certificates)


def render_printable(certificates: list[Certificate], title: str) -> bytes:
    """The certificates as one PDF, a page each, for printing."""
    items = [(c, prepared_layout(c)) for c in certificates]
    return render_merged(items, verify_url, title=title, author=certificates[0].organization_name)


def pdf_filename(certificate: Certificate) -> str:
    """``certificate-Aleksey-Smirnov-7KQ2-M9XA.pdf``: the holder's name in ASCII, and the serial."""
    return certificate_filename(certificate.holder_name, certificate.display_serial)
