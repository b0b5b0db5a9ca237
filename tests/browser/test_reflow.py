"""Every page, for every role, on a phone and on a desktop: it reflows and axe finds nothing.

The pages are those of the authorization matrix's world (``tests/security/matrix_world.py``):
every GET route that answers the role with an HTML page (200, text/html), its path filled
with the role's own object. For each role the browser signs in once and opens each page
once; then, at 320, 390 and 1280 px wide (the viewport changes, the page is not reloaded;
one evaluation in the page measures its layout, targets and focus rings at each width):

- the document never scrolls sideways (WCAG 1.4.10 Reflow); only a marked region
  (``<div class="scroll-region" role="region" aria-label=... tabindex="0">``) may scroll
  sideways inside itself;
- on a phone (320 and 390 px) the navigation's links, the forms' buttons and fields, each
  checkbox or radio button with its label, and the links in tables are at least 44 px
  tall, and a tap at the navigation's links reaches them;
- at each width, axe-core (``tests/js/node_modules/axe-core``, injected into the page)
  reports no violation of WCAG 2.2 A/AA or of its best practices;
- on a phone the navigation is behind a "Menu" button (a ``<details>``) that opens it; on
  a wide screen it shows in full, and the keyboard reaches it (the button is clicked and
  the keyboard walked on each role's first page; the navigation is the same on the others);
- at each width, every element that can take the focus shows a focus ring of 2 px or more
  with at least 3:1 contrast against the background around it.

Set ``LMS_REFLOW_SHOTS`` to a folder to keep a full-page screenshot of each page at each width.
Layout does not depend on the database: SQLite only.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from lms.models import CertificationTrack, EnrollmentSource
from tests.security.matrix_world import ROLE_NAMES, ROLES, build_world, path_values

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[1] / "js" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (320, 390, 1280)
#: axe at every width: a phone's layout shows, hides and colours other things than a desktop's.
AXE_WIDTHS = WIDTHS
#: Phones: 44 px targets, the navigation behind its menu button (clicked open at PHONE).
PHONES = (320, 390)
PHONE = 390
WIDE = 1280
HEIGHT = 1000
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
SIGN_IN_PATH = "/training/sign-in"

#: A mail's own HTML as mailed, shown sandboxed in the Outbox: no script runs in it, so axe
#: cannot either (its reflow is still checked; the mail tests check its markup).
NO_SCRIPT = {"lms.mail.message_html"}

#: Routes that answer with a file, not a page (asking for them would only render it).
FILES = {
    "healthz",
    "lms.audit_trail.export_csv",
    "lms.calendar.course_feed",
    "lms.calendar.private_feed",
    "lms.calendar.public_feed",
    "lms.calendar.session_ics",
    "lms.compliance.export_csv",
    "lms.compliance.hours_csv",
    "lms.compliance.post_roster",
    "lms.credentials.certificate_pdf",
    "lms.credentials.group_zip",
    "lms.credentials.public_keys",
    "lms.credentials.session_printable",
    "lms.credentials.session_zip",
    "lms.imports.people_template",
    "lms.imports.records_template",
    "lms.mail.message_eml",
    "lms.mail.part",
    "lms.transcripts.download",
}

#: axe-core's violations, each with its rule, help and the first line of each target's failure.
AXE_JS = """tags => axe.run(document, {
    runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
  .then(result => result.violations.map(v => ({id: v.id, help: v.help,
    targets: v.nodes.map(n => n.target.join(' ') + ' ' + n.failureSummary.split('\\n')[1])})))"""

#: What sticks out past the right edge, outside a scrolling region (outermost elements only).
OVERFLOW_JS = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return [];
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.scroll-region')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 0.5) continue;
    const parent = el.parentElement.getBoundingClientRect();
    if (el.parentElement !== document.body && parent.right > width + 0.5) continue;
    out.push(`${describe(el)} reaches ${Math.round(box.right)} px`);
  }
  return out.length ? out : [`the document is ${document.documentElement.scrollWidth} px wide`];
  function describe(el) {
    const classes = typeof el.className === 'string' ? el.className.trim().split(/\\s+/) : [];
    return el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      classes.filter(Boolean).map(c => '.' + c).join('') +
      ` "${(el.textContent || '').trim().slice(0, 40)}"`;
  }
}"""

#: Elements that scroll sideways but are not a marked, focusable, named scrolling region.
UNMARKED_SCROLLERS_JS = """() => [...document.body.querySelectorAll('*')].filter(el => {
  if (el.scrollWidth <= el.clientWidth + 1) return false;
  const overflow = getComputedStyle(el).overflowX;
  if (overflow !== 'auto' && overflow !== 'scroll') return false;
  const marked = el.matches('.scroll-region[role=region][tabindex="0"]');
  return !(marked && el.getAttribute('aria-label'));
}).map(el => el.outerHTML.slice(0, 80))"""

#: Visible navigation links, form controls, checkboxes and radio buttons (a tap on their label
#: works too: the taller of the two counts), links in tables and links standing alone in
#: their paragraph or list item, shorter than 44 px.
SMALL_TARGETS_JS = """() => {
  const tall = el => el.getBoundingClientRect().height >= 43.5;
  const shown = el => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && el.checkVisibility({visibilityProperty: true});
  };
  const name = el =>
    ((el.labels && el.labels[0] || el).textContent || el.name || '').trim().slice(0, 30);
  const height = el => Math.round(el.getBoundingClientRect().height);
  const targets = document.querySelectorAll(
    'header a, header button, header summary, main form button, main .button, ' +
    'main form select, main form textarea, main td a, main th a, ' +
    'main form input:not([type=hidden]):not([type=checkbox]):not([type=radio])');
  // A link that stands alone in its paragraph or list item (not a word in running text).
  const alone = [...document.querySelectorAll('main :is(p, li, dd) > a:not(.button)')].filter(
    a => a.parentElement.textContent.trim() === a.textContent.trim());
  const small = [...targets, ...alone].filter(el => shown(el) && !tall(el)).map(el =>
    `${el.tagName.toLowerCase()} "${name(el)}" is ${height(el)} px tall`);
  for (const box of document.querySelectorAll('main input:is([type=checkbox], [type=radio])')) {
    if (!shown(box) || tall(box)) continue;
    if ([...box.labels].some(label => shown(label) && tall(label))) continue;
    const heights = [box, ...box.labels].map(height);
    small.push(`${box.type} "${name(box)}" and its label are ${heights.join(' and ')} px tall`);
  }
  return small;
}"""

#: Navigation links and buttons that a tap at their centre would miss (something else is hit).
COVERED_TARGETS_JS = """() => [...document.querySelectorAll('header :is(a, button, summary)')]
  .filter(el => {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || box.top < 0 || box.bottom > window.innerHeight) return false;
    if (!el.checkVisibility({visibilityProperty: true})) return false;
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return !(hit && (hit === el || el.contains(hit)));
  }).map(el => `${el.tagName.toLowerCase()} "${el.textContent.trim().slice(0, 30)}"`)"""

#: Each element that can take the focus, focused in turn: its ring (the :focus-visible style
#: the keyboard brings) is 2 px or more and 3:1 against the first opaque background behind
#: it. Each failing kind of element once, with how many share it.
FOCUS_RINGS_JS = """() => {
  const failures = new Map();
  const focusable = document.querySelectorAll(
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]');
  for (const el of focusable) {
    if (el.disabled || el.closest('[inert]')) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || !el.checkVisibility({visibilityProperty: true})) continue;
    el.focus({preventScroll: true});
    if (document.activeElement !== el) continue;
    const style = getComputedStyle(el);
    let back = el.parentElement, colour = 'rgb(255, 255, 255)';
    for (; back; back = back.parentElement) {
      const own = getComputedStyle(back).backgroundColor;
      if (!own.endsWith(', 0)') && own !== 'transparent') { colour = own; break; }
    }
    const width = parseFloat(style.outlineWidth), ratio = contrast(style.outlineColor, colour);
    const visible = el.matches(':focus-visible');
    const drawn = !['none', 'hidden'].includes(style.outlineStyle);
    if (visible && drawn && width >= 2 && ratio >= 3) continue;
    const what = `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ?
      '.' + el.className.trim().split(/\\s+/).join('.') : ''}`;
    const key = `${what}: focus ring ${style.outlineStyle} ${width} px ${style.outlineColor} on ` +
      `${colour} (${ratio.toFixed(1)}:1)${visible ? '' : ', not :focus-visible'}`;
    const example = (el.textContent || el.name || '').trim().slice(0, 30);
    const seen = failures.get(key) || {count: 0, example};
    seen.count += 1;
    failures.set(key, seen);
  }
  if (document.activeElement) document.activeElement.blur();  // none left on (or in a screenshot)
  return [...failures].map(([key, seen]) => `${key}, e.g. "${seen.example}"` +
    (seen.count > 1 ? ` (${seen.count} like it)` : ''));
  function contrast(first, second) {
    const [a, b] = [luminance(first), luminance(second)].sort((x, y) => y - x);
    return (a + 0.05) / (b + 0.05);
  }
  function luminance(css) {
    const [r, g, b] = css.slice(css.indexOf('(') + 1).split(',').slice(0, 3).map(c => {
      const v = parseFloat(c) / 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
}"""

#: The focused element's ring and the background around it, as the browser computes them.
FOCUS_RING_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  if (el.dataset.ringSeen) return {seen: true};  // a date field's parts: one element
  el.dataset.ringSeen = '1';
  const style = getComputedStyle(el);
  let back = el.parentElement, colour = 'rgba(0, 0, 0, 0)';
  while (back) {
    colour = getComputedStyle(back).backgroundColor;
    if (!colour.endsWith(', 0)') && colour !== 'transparent') break;
    back = back.parentElement;
  }
  return {
    inNav: !!el.closest('.nav'),
    what: `${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 30)}"`,
    style: style.outlineStyle, width: parseFloat(style.outlineWidth),
    ring: style.outlineColor, background: back ? colour : 'rgb(255, 255, 255)',
  };
}"""

#: Everything measured at one width, in one evaluation: sideways scrolling, unmarked
#: scrollers, focus rings; on a phone the navigation behind its button and, the menu opened
#: as the button would, small or covered targets; on a wide screen the navigation in full.
LAYOUT_JS = (
    "({phone, wide}) => {\n"
    f"  const overflow = {OVERFLOW_JS};\n"
    f"  const unmarked = {UNMARKED_SCROLLERS_JS};\n"
    f"  const small = {SMALL_TARGETS_JS};\n"
    f"  const covered = {COVERED_TARGETS_JS};\n"
    f"  const rings = {FOCUS_RINGS_JS};\n"
    """  const out = {overflow: overflow(), unmarked: unmarked(), nav: [], small: [], covered: []};
  const shown = el => {
    if (!el) return false;
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && el.checkVisibility({visibilityProperty: true});
  };
  window.scrollTo(0, 0);  // as opened: the header in view
  const menu = document.querySelector('.menu'), button = document.querySelector('.menu > summary');
  const link = document.querySelector('.nav a');
  if (phone) {
    if (!shown(button) || shown(link)) out.nav.push('the navigation is not behind a menu button');
    const open = menu ? menu.open : false;
    if (menu) menu.open = true;
    out.small = small();
    out.covered = covered();
    out.rings = rings();
    if (menu) menu.open = open;
  } else {
    if (wide && (shown(button) || !shown(link))) out.nav.push('the navigation is not in full');
    out.covered = wide ? covered() : [];
    out.rings = rings();
  }
  return out;
}"""
)


def rgb(css: str) -> tuple[float, float, float]:
    """'rgb(1, 2, 3)' or 'rgba(1, 2, 3, 1)' as three channels."""
    inside = css[css.index("(") + 1 : css.index(")")]
    red, green, blue = (float(part) for part in inside.split(",")[:3])
    return red, green, blue


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two CSS colours."""

    def luminance(css: str) -> float:
        channels = [c / 255 for c in rgb(css)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.fixture
def app_config(app_config):
    """As the matrix's: no rate limits (many requests), links need the public address."""
    return {
        **app_config,
        "LMS_RATELIMIT_ENABLED": False,
        "LMS_PASSWORD_RESET_ANSWER_MS": 0,
        "LMS_PUBLIC_URL": "https://training.mpd.test",
    }


def enrich(make, world) -> None:
    """More than the matrix needs (every session of its world is over): certifications on
    its track, so the compliance pages draw their chart, and coming sessions, a public one
    with a long address and a three-day refresher, so the lists and dashboards have rows."""
    track = make.db.get(CertificationTrack, world.track_id)
    today = date.today()
    for person, days in ((world.people["officer"], 200), (world.firefighter, 20)):
        expires_on = today + timedelta(days=days)
        granted_on = today - timedelta(days=300)
        make.certification(person, track, granted_on=granted_on, expires_on=expires_on)
    make.certification(world.officer_2, track, granted_on=today - timedelta(days=400))
    soon = today + timedelta(days=12)
    public = make.session(
        world.sessions["crase"].course,
        start=soon,
        is_public=True,
        location="Big Sky High School auditorium, 3100 South Avenue West, Missoula",
    )
    make.enrollment(public, world.member_a, source=EnrollmentSource.GROUP)
    refresher = make.session(
        world.sessions["taught"].course, start=soon, days=3, lead=world.people["instr"]
    )
    make.enrollment(refresher, world.people["officer"])


def candidate_pages(app, world, role: str) -> list[tuple[str, str]]:
    """(endpoint, url) of every GET route but files, its path filled with the role's own object."""
    adapter = app.url_map.bind("localhost")
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        if "GET" not in rule.methods or rule.endpoint in FILES or rule.endpoint.endswith("static"):
            continue
        names = set(rule.arguments)
        values = path_values(world, rule.endpoint, names, role)[0] if names else {}
        pages.append((rule.endpoint, adapter.build(rule.endpoint, values, method="GET")))
    return pages


def open_page(page, url: str) -> bool:
    """Open ``url``; True if it is an HTML page of its own (200, text/html, no redirect)."""
    try:
        response = page.goto(url)
    except PlaywrightError as exc:  # a file the FILES list does not name
        if "Download is starting" in str(exc):
            return False
        raise
    return (
        response is not None
        and response.status == 200
        and response.headers.get("content-type", "").startswith("text/html")
        and response.url.endswith(url)
    )


def focus_ring_failures(page) -> list[str]:
    """Tab through the page: each focused element's ring is 2 px+ and 3:1 on its background,
    and the keyboard reaches the navigation (open on a wide screen, though in a <details>)."""
    failures, reached_nav = [], False
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        seen = page.evaluate(FOCUS_RING_JS)
        if seen is None:
            break
        if seen.get("seen"):
            continue
        reached_nav = reached_nav or seen["inNav"]
        ratio = contrast(seen["ring"], seen["background"])
        if seen["style"] in ("none", "hidden") or seen["width"] < 2 or ratio < 3:
            failures.append(
                f"{seen['what']}: focus ring {seen['style']} {seen['width']} px {seen['ring']}"
                f" on {seen['background']} ({ratio:.1f}:1)"
            )
    if not reached_nav:
        failures.append("the Tab key never reaches the navigation's links")
    return failures


def phone_menu_problems(page, where: str) -> list[str]:
    """On a phone the "Menu" button opens and closes the navigation, with no script of the
    page's: tried here once for each role (the navigation is the role's on every page, and the
    layout evaluation opens it as the button does on the others)."""
    problems = []
    menu, first_link = page.locator(".menu > summary"), page.locator(".nav a").first
    menu.click()
    if first_link.is_hidden():
        problems.append(f"{where}: a tap on the menu button does not open the navigation")
    menu.press("Enter")  # and the keyboard's (the focus rings measured next are the keyboard's)
    if first_link.is_visible():
        problems.append(f"{where}: Enter on the menu button does not close the navigation")
    return problems


def layout_problems(page, where: str, width: int, *, ours: bool = True) -> list[str]:
    """What the page's layout at ``width`` gets wrong (one evaluation in the page); of a
    page that is not ours (a mail as mailed: no header, its own styles), its reflow only."""
    found = page.evaluate(LAYOUT_JS, {"phone": width in PHONES, "wide": width == WIDE})
    reflow = [f"{where}: sideways scroll, {line}" for line in found["overflow"]] + [
        f"{where}: scrolls sideways but is no marked region: {html}" for html in found["unmarked"]
    ]
    if not ours:
        return reflow
    return (
        reflow
        + [f"{where}: {line}" for line in found["nav"]]
        + [f"{where}: small target {line}" for line in found["small"]]
        + [f"{where}: a tap misses {line}" for line in found["covered"]]
        + [f"{where}: {line}" for line in found["rings"]]
    )


def axe_violations(page) -> list[dict]:
    """axe-core's violations of the page as it is now laid out."""
    return page.evaluate(AXE_JS, AXE_TAGS)


def sign_in(page, make, person) -> None:
    make.set_password(person)
    make.db.commit()
    page.goto(SIGN_IN_PATH)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(make.PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/training/")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_reflows_and_passes_axe(role, app, make, page):
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run npm ci --prefix tests/js")
    world = build_world(make)
    enrich(make, world)
    page.add_init_script(path=str(AXE))  # in every page, before its own scripts (and its CSP)
    if role != "anon":
        sign_in(page, make, world.people[role])
    shots = os.environ.get("LMS_REFLOW_SHOTS")

    problems: list[str] = []
    seen = []
    page.set_viewport_size({"width": WIDE, "height": HEIGHT})
    widths = sorted(WIDTHS, reverse=True)  # the first page: the keyboard's walk needs it wide
    for endpoint, url in candidate_pages(app, world, role):
        if not open_page(page, url):
            continue
        if not seen:
            problems += [f"{endpoint}: {line}" for line in focus_ring_failures(page)]
        for width in widths:
            if width != page.viewport_size["width"]:
                page.set_viewport_size({"width": width, "height": HEIGHT})
            where = f"{endpoint} ({url}) at {width} px"
            if endpoint in NO_SCRIPT:  # a mail as mailed, where no script runs: its reflow only
                problems += layout_problems(page, where, width, ours=False)
                continue
            if not seen and width == PHONE:
                problems += phone_menu_problems(page, where)
            problems += layout_problems(page, where, width)
            if width in AXE_WIDTHS:
                for violation in axe_violations(page):
                    targets = "\n      ".join(violation["targets"][:5])
                    problems.append(
                        f"{where}: axe {violation['id']} ({violation['help']})\n      {targets}"
                    )
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                name = f"{role}-{endpoint.removeprefix('lms.')}-{width}.png"
                page.screenshot(path=str(Path(shots) / name), full_page=True)
        seen.append(endpoint)
        widths.reverse()  # the next page opens at this one's last width: one resize fewer

    assert len(seen) >= 10, f"only {len(seen)} pages shown to {role}: {seen}"
    if problems:
        pytest.fail(
            f"As {ROLE_NAMES[role]}, {len(problems)} problems on {len(seen)} pages:\n  "
            + "\n  ".join(problems),
            pytrace=False,
        )
