"""Forms of the calendar feature: buttons, each a POST with its CSRF token."""

from wtforms import SubmitField

from ..forms import Form


class NewFeedLinkForm(Form):
    """Create the private feed link, or replace it (the old one stops working)."""

    submit = SubmitField("Get a new private link")


class StopFeedForm(Form):
    """Turn the private feed off: its link stops working and none replaces it."""

    submit = SubmitField("Turn off my private feed")
