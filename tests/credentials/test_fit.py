"""A long name shrinks to the layout's floor, then wraps onto two balanced lines."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from pypdf.generic import ContentStream

from lms.credentials.fonts import unprintable_characters
from lms.credentials.text import break_points, language_of, two_lines

from .support import pdf_text
from .test_render import prepared, snapshot, url_of

#: Jugemu, the boy of the rakugo story whose name is famously long.
JUGEMU = (
    "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末食う寝る処に住む処"
    "藪ら柑子の藪柑子パイポパイポパイポのシューリンガン"
)
LONG_LATIN = (
    "Maximilian Alexander Konstantin Friedrich von Hohenberg-Wittelsbach of Missoula County"
)


def holder_lines(pdf: bytes) -> list[tuple[float, float, float]]:
    """(size, x, baseline y) of each line drawing the holder's name."""
    reader = PdfReader(io.BytesIO(pdf))
    page = reader.pages[0]
    lines, inside, depth, size = [], False, 0, None
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"BDC" and inside:
            depth += 1
        elif operator == b"BDC" and operands[0] == "/LMSPrinted":
            inside = str(operands[1]["/Template"]) == "{holder}"
        elif operator == b"EMC" and depth:
            depth -= 1
        elif operator == b"EMC":
            inside = False
        elif inside and operator == b"Tf":
            size = float(operands[1])
        elif inside and operator in (b"Td", b"Tm"):
            x, y = (float(v) for v in operands[-2:])
            if not lines or abs(lines[-1][2] - y) > 0.01:
                lines.append((size, x, y))
    return lines


def block(layout, field="{holder}"):
    [found] = [b for b in layout.spec.blocks if b.template == field]
    return found


@pytest.mark.parametrize("name", [LONG_LATIN, JUGEMU])
def test_a_name_too_wide_at_the_floor_wraps_onto_two_balanced_lines(name):
    layout = prepared("officer-certification")
    holder = block(layout)
    chain = layout.chains[holder.font]
    limit = holder.max_width * layout.width
    assert chain.line(name).width_at(holder.min_size) > limit  # one line would go below the floor
    pdf = layout.render(snapshot(name), url_of(snapshot(name)))

    (size, x1, y1), (size2, x2, y2) = holder_lines(pdf)
    assert size == size2
    # Wider than one line squeezed to fit, and never wider than the block.
    assert size > limit * 1000 / chain.line(name).width
    first, second = (line for line in pdf_text(pdf).splitlines() if line and line in name)
    widths = [chain.line(part).width_at(size) for part in (first, second)]
    assert max(widths) <= limit + 0.01
    assert abs(widths[0] - widths[1]) < 0.25 * max(widths)  # balanced
    # Both lines stay inside the height the name takes as one line at its own size.
    ascent, descent = chain.line(name).extent()
    top, bottom = (holder.y * layout.height + v * holder.size / 1000 for v in (ascent, descent))
    assert y1 + ascent * size / 1000 <= top + 0.01
    assert y2 + descent * size / 1000 >= bottom - 0.01
    assert first + second in name.replace(" ", "") or f"{first} {second}" == name


@pytest.mark.parametrize(
    "name",
    [
        LONG_LATIN,
        JUGEMU,
        "نجيب محفوظ أم كلثوم جمال عبد الناصر محمود درويش طه حسين جبران خليل جبران",
        "अमिताभ बच्चन लता मंगेशकर मुंशी प्रेमचंद सरोजिनी नायडू हरिवंश राय बच्चन",
        "朱镕基屠呦呦钱学森 김연아 윤동주 박경리 Zhu Rongji",
    ],
)
def test_the_break_found_by_bisection_is_the_most_balanced_of_all(name):
    """two_lines bisects over the break points; every pair, shaped, is no better."""
    layout = prepared("officer-certification")
    chain = layout.chains[block(layout).font]
    language = language_of(name)
    widest = min(
        max(chain.line(a, language).width, chain.line(b, language).width)
        for a, b in break_points(name)
    )
    found = two_lines(chain, name)
    assert max(line.width for line in found) == pytest.approx(widest)
    assert found[0].text + found[1].text in name.replace(" ", "") or (
        f"{found[0].text} {found[1].text}" == name
    )


def test_a_name_that_fits_at_the_floor_stays_on_one_line():
    layout = prepared("officer-certification")
    holder = block(layout)
    name = "Ofc. Maximilian Alexander von Hohenberg-Wittelsbach"
    chain = layout.chains[holder.font]
    width = chain.line(name).width_at(holder.size)
    assert width > holder.max_width * layout.width  # it has to shrink
    [(size, _, _)] = holder_lines(layout.render(snapshot(name), url_of(snapshot(name))))
    assert holder.min_size <= size < holder.size


def test_unprintable_characters_are_named_by_code_and_name():
    assert unprintable_characters("Zoë Ångström-Núñez") == []
    assert unprintable_characters("نجيب محفوظ 宮崎 駿 अमिताभ") == []
    assert unprintable_characters("Bell \U0001f693\U0001f693 \U00010012") == [
        "U+1F693 POLICE CAR",
        "U+10012 LINEAR B SYLLABLE B070 KO",
    ]
