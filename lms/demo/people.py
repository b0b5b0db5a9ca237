"""The demo's organizations and people: the department, its partners, community groups.

A city police department with six school resource officers, two ALERRT
instructors, two officers working toward instructor certification, four patrol
officers and one who retired; fire, EMS and sheriff partners; a high school,
an elementary school, a church and a business, each with a coordinator and
members registered without a login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from ..auth.operations import create_person
from ..models import AgencyType, Organization, OrganizationKind, Person, Role
from .world import DEPARTMENT_SLUG, World, mail


@dataclass
class Cast:
    """Who the rest of the demo refers to."""

    department: Organization
    groups: dict[str, Organization]  # community groups by short name
    admin: Person
    hayes: Person
    okafor: Person
    sros: list[Person]
    candidates: list[Person]  # working toward instructor certification
    patrol: list[Person]
    retiree: Person  # retired: deactivated by the records part of the demo
    partners: list[Person]  # fire, EMS and sheriff's people
    group_coordinators: dict[str, Person]
    members: dict[str, list[Person]]

    @property
    def officers(self) -> list[Person]:
        """The department's serving officers who are not instructors."""
        return self.sros + self.candidates + self.patrol


def _organization(world: World, slug, name, kind, agency_type, parent=None) -> Organization:
    org = Organization(
        slug=slug,
        name=name,
        kind=kind,
        agency_type=agency_type,
        timezone=world.tz_name,
        parent=parent,
    )
    world.db.add(org)
    return org


def _person(world: World, org, name, email=None, roles=(), login=True, actor=None, **fields):
    person = create_person(
        full_name=name,
        organization=org,
        email=email,
        roles=list(roles),
        actor=actor,
        **fields,
    )
    if login:
        person.password_hash = world.password_hash
        person.claimed_at = datetime.now(UTC)
    return person


def _officer(world: World, dept, name, badge, title, roles=None, email=None) -> Person:
    """A sworn officer of the department, with the HR employee number the old system used."""
    return _person(
        world,
        dept,
        name,
        email or mail("officer." + name.split()[-1].lower().replace(" ", "")),
        roles or [(Role.OFFICER, dept)],
        badge_number=f"MPD-{badge}",
        employee_number=f"1{badge}",
        job_title=title,
    )


def build_people(world: World) -> Cast:
    """Create the organizations and people (flushed: they have ids)."""
    D, P, G = (
        OrganizationKind.DEPARTMENT,
        OrganizationKind.PARTNER_AGENCY,
        OrganizationKind.COMMUNITY_GROUP,
    )
    dept = _organization(world, DEPARTMENT_SLUG, "Missoula Police Department", D, AgencyType.POLICE)
    fire = _organization(world, "mfd", "Missoula Fire Department", P, AgencyType.FIRE, dept)
    ems = _organization(
        world, "ems", "Missoula Emergency Medical Services", P, AgencyType.EMS, dept
    )
    sheriff = _organization(
        world, "mcso", "Missoula County Sheriff's Office", P, AgencyType.SHERIFF, dept
    )
    groups = {
        org.slug: org
        for org in (
            _organization(world, "bigskyhigh", "Big Sky High School", G, AgencyType.SCHOOL),
            _organization(
                world, "lewisandclark", "Lewis & Clark Elementary School", G, AgencyType.SCHOOL
            ),
            _organization(world, "gracechurch", "Grace Community Church", G, AgencyType.CHURCH),
            _organization(world, "riverfront", "Riverfront Credit Union", G, AgencyType.BUSINESS),
        )
    }
    world.db.flush()

    admin = _person(
        world,
        dept,
        "Dana Whitfield",
        mail("admin"),
        [(Role.ADMIN, None)],
        job_title="Administrative Sergeant",
    )
    _person(
        world,
        dept,
        "Lt. Marcus Bell",
        mail("coordinator"),
        [(Role.COORDINATOR, None)],
        job_title="Training Coordinator",
    )
    teaching = [(Role.INSTRUCTOR, dept), (Role.OFFICER, dept)]
    hayes, okafor = (
        _officer(world, dept, name, badge, "ALERRT Instructor", teaching, mail(local))
        for name, badge, local in (
            ("Sgt. Erin Hayes", "0412", "instructor.hayes"),
            ("Cpl. James Okafor", "0377", "instructor.okafor"),
        )
    )
    sro_names = [
        "Ofc. Sofia Rivera",
        "Ofc. Ben Clearwater",
        "Ofc. Priya Shah",
        "Ofc. Tom Lindqvist",
        "Ofc. Grace Two Feathers",
        "Ofc. Luis Ortega",
    ]
    sros = [
        _officer(world, dept, name, f"05{i:02d}", "School Resource Officer")
        for i, name in enumerate(sro_names, start=10)
    ]
    candidates = [
        _officer(world, dept, name, f"06{i:02d}", "Patrol Officer")
        for i, name in enumerate(["Ofc. Minh Nguyen", "Ofc. Rachel Stone"], start=1)
    ]
    patrol_names = ["Ofc. Aaron Fisk", "Ofc. Hannah Moreau", "Ofc. Caleb Wright", "Ofc. Nora Begay"]
    patrol = [
        _officer(world, dept, name, f"07{i:02d}", "Patrol Officer")
        for i, name in enumerate(patrol_names, start=1)
    ]
    retiree = _officer(world, dept, "Ofc. Walter Pruitt", "0388", "Patrol Officer")
    partners = [
        _person(
            world,
            org,
            name,
            mail(name.split()[-1].lower(), org.slug),
            [(Role.OFFICER, org)],
            job_title=title,
        )  # fmt: skip
        for org, names, title in (
            (fire, ["Capt. Ruth Alvarez", "FF Daniel Kim"], "Firefighter"),
            (ems, ["Paramedic Ivy Chen", "EMT Sam Holloway"], "Paramedic"),
            (sheriff, ["Dep. Kurt Jensen", "Dep. Maria Lopez"], "Deputy Sheriff"),
        )
        for name in names
    ]
    coordinators = {
        slug: _person(
            world,
            groups[slug],
            name,
            mail("coordinator", slug),
            [(Role.GROUP_COORDINATOR, groups[slug])],
            job_title="Safety Coordinator",
        )
        for slug, name in (
            ("bigskyhigh", "Janet Brooks"),
            ("lewisandclark", "Paul Okonkwo"),
            ("gracechurch", "Rev. Ana Morales"),
            ("riverfront", "Kevin Tran"),
        )
    }
    members = {
        slug: [
            _person(
                world,
                groups[slug],
                name,
                None,
                [(Role.PARTICIPANT, groups[slug])],
                login=False,
                actor=coordinators[slug],
            )
            for name in names
        ]
        for slug, names in (
            ("bigskyhigh", ["Alice Gaines", "Robert Yazzie", "Megan O'Neil", "Chris Park",
                            "Zoë Müller"]),
            ("lewisandclark", ["Linda Frost", "Mark Sutton", "Amara Diallo"]),
            ("gracechurch", ["Deacon Joe Ruiz", "Helen Marsh", "Peter Novak", "Olga Ivanova"]),
            ("riverfront", ["Tasha Greene", "Victor Hale"]),
        )
    }  # fmt: skip
    world.db.flush()
    return Cast(
        department=dept,
        groups=groups,
        admin=admin,
        hayes=hayes,
        okafor=okafor,
        sros=sros,
        candidates=candidates,
        patrol=patrol,
        retiree=retiree,
        partners=partners,
        group_coordinators=coordinators,
        members=members,
    )
