"""Deactivated people leave compliance denominators and keep their history."""

from datetime import timedelta

from lms.core import local_today
from lms.models import Role
from tests.enrollment.helpers import flash_text


def test_deactivating_someone_takes_them_out_of_the_counts_not_out_of_the_records(
    client, sign_in, make
):
    today = local_today()
    police = make.organization("Missoula Police Department")
    track = make.track("ALERRT", name="ALERRT response")
    coordinator = make.person(Role.COORDINATOR, organization=police)
    current = make.person(Role.OFFICER, organization=police, name="Ofc. Sofia Rivera")
    lapsed = make.person(Role.OFFICER, organization=police, name="Ofc. Gone Away")
    make.certification(current, track, today - timedelta(days=30))
    make.certification(lapsed, track, today - timedelta(days=500), today - timedelta(days=100))
    sign_in(coordinator)

    # Agency, current, due soon, expired, never, people, in force.
    row = "Missoula Police Department 1 0 1 0 2 50%"
    assert row in flash_text(client.get("/training/compliance/"))

    url = f"/training/people/{lapsed.id}"
    done = client.submit(
        url, {"reason": "Retired"}, action=f"{url}/deactivate", follow_redirects=True
    )
    assert "Ofc. Gone Away is deactivated." in flash_text(done)

    overview = flash_text(client.get("/training/compliance/"))
    assert "Missoula Police Department 1 0 0 0 1 100%" in overview
    assert "Ofc. Gone Away" not in overview
    # The history stays: their status page, and the directory of deactivated people.
    history = flash_text(client.get(f"/training/status/people/{lapsed.id}"))
    assert "ALERRT response" in history and "Ended" in history
    directory = client.get(
        "/training/people/",
        query_string={"activity": "inactive", "track": track.id, "state": "expired"},
    )
    assert "Ofc. Gone Away" in flash_text(directory)
