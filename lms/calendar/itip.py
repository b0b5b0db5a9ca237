"""Scheduling by e-mail (iTIP, RFC 5546): what turns a calendar into an invitation."""

from __future__ import annotations

from dataclasses import dataclass

from .lines import CRLF, fold, param_text


@dataclass(frozen=True)
class Invitation:
    """An e-mailed calendar's method and the two people in it.

    ``REQUEST`` adds or updates the events in the attendee's calendar (a higher
    SEQUENCE replaces what they hold); ``CANCEL`` removes them. The attendee is
    the message's one recipient: an invitation never shows who else takes part.
    """

    method: str  # "REQUEST" or "CANCEL"
    organizer_name: str
    organizer_address: str
    attendee_name: str
    attendee_address: str

    def event_lines(self) -> str:
        """The ORGANIZER and ATTENDEE lines every event carries, CRLF-terminated."""
        organizer = f"ORGANIZER;CN={param_text(self.organizer_name)}"
        attendee = f"ATTENDEE;CN={param_text(self.attendee_name)};ROLE=REQ-PARTICIPANT"
        if self.method == "REQUEST":
            # The attendee's place is settled (they are enrolled): nothing to answer.
            attendee += ";PARTSTAT=ACCEPTED;RSVP=FALSE"
        return (
            f"{fold(f'{organizer}:mailto:{self.organizer_address}')}{CRLF}"
            f"{fold(f'{attendee}:mailto:{self.attendee_address}')}{CRLF}"
        )
