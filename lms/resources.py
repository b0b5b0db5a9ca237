"""Where the data folders are, in a source checkout and in an installed wheel.

In the repository, ``templates/``, ``certificates/`` and ``migrations/`` sit at
the top level; ``setup.cfg`` maps them into the package as ``lms/templates``,
``lms/layouts`` and ``lms/migrations`` when it is built.
"""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(installed_name: str, source_name: str) -> Path:
    installed = _PACKAGE / installed_name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / source_name


def templates_dir() -> Path:
    return _find("templates", "templates")


def layouts_dir() -> Path:
    return _find("layouts", "certificates")


def migrations_dir() -> Path:
    return _find("migrations", "migrations")


def static_dir() -> Path:
    return _PACKAGE / "static"
