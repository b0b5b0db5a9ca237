"""Forms of the imports feature: the upload with its options, and the mapping step.

The same form serves the first upload (a file), the mapping step and the
apply (the stored file's id, its SHA-256 and the preview's digest), so the
options chosen for the preview are the ones applied.
"""

from __future__ import annotations

import re

from flask import request
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from ..boundary import parse_id
from ..enrollment.forms import select_choices
from ..forms import Form
from ..models import Role
from .reading import IGNORE

_MAP_KEY = re.compile(r"^map-(\d{1,3})$")


def _organization_id(value):
    return parse_id(value) if value not in (None, "", "None") else None


class ImportForm(Form):
    """Upload (or refer to the stored upload) and the options of a preview."""

    file = FileField("File (CSV or XLSX)")
    upload = HiddenField()
    sha256 = HiddenField()
    digest = HiddenField()


#: Roles an import may give everyone in a file; others are granted one by one, with a reason.
IMPORTED_ROLES = (Role.OFFICER,)


def _role(value):
    return None if value in (None, "", "None") else Role(value)  # others: not a valid choice


class PeopleImportForm(ImportForm):
    organization = SelectField(
        "Organization of people the file does not place", coerce=_organization_id
    )
    role = SelectField(
        "Role of the people in the file",
        choices=select_choices(
            [(None, "None (give roles on each person's page)")]
            + [(r, r.label) for r in IMPORTED_ROLES]
        ),
        coerce=_role,
        default=None,
    )
    deactivate_missing = BooleanField(
        "Deactivate the organization's active people who are missing from the file"
    )

    def validate_deactivate_missing(self, field) -> None:
        if field.data and self.organization.data is None:
            raise ValidationError("Choose the organization whose missing people to deactivate.")


class RecordsImportForm(ImportForm):
    source_system = StringField(
        "Source system (for lines that do not name one)",
        validators=[Optional(), Length(max=120)],
        filters=[lambda v: " ".join(v.split()) if isinstance(v, str) else v],
    )


def chosen_mapping(fields: dict[str, str]) -> dict[int, str]:
    """The mapping step's choices (``map-<column>`` = a field or "ignore"); others are dropped."""
    chosen = {}
    for key, value in request.form.items():
        match = _MAP_KEY.match(key)
        if match and (value in fields or value == IGNORE):
            chosen[int(match.group(1))] = value
    return chosen
