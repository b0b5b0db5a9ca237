"""A QR code encoder made for bulk printing (drawn by :mod:`.qr_glyphs`).

segno builds a correct symbol in about 20 ms (4 ms with a fixed mask), which
alone would cap bulk printing at a few dozen certificates a second. This
encoder makes the same kind of symbol (byte mode, error correction level M,
a fixed mask) in tens of microseconds:

- everything that depends only on the version (function patterns, the order
  in which data bits are placed, the mask) is computed once;
- Reed-Solomon coding, placement and masking are linear over GF(2), so a
  symbol is a reference symbol XOR one precomputed table entry per data nibble
  that differs from the reference's (see :func:`_linear_tables`).

:func:`encode_stepwise` builds the same symbol the long way, and the tests
check both against each other and read the result with zxing-cpp. segno's
published tables (error-correction blocks, alignment positions) are used as
they are. Every mask is valid to a reader; choosing the lowest-penalty one
only avoids rare unlucky patterns, and these payloads are mostly random
signature bytes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import reduce
from itertools import compress, starmap
from operator import itemgetter, xor

from segno import consts

ERROR_LEVEL_M = consts.ERROR_LEVEL_M
DEFAULT_MASK = 0
QUIET_ZONE = 4

_TO_ASCII = bytes.maketrans(b"\0\1", b"01")
_FROM_ASCII = bytes.maketrans(b"01", b"\0\1")

_MASKS = (
    lambda x, y: (x + y) % 2 == 0,
    lambda x, y: y % 2 == 0,
    lambda x, y: x % 3 == 0,
    lambda x, y: (x + y) % 3 == 0,
    lambda x, y: (x // 3 + y // 2) % 2 == 0,
    lambda x, y: x * y % 2 + x * y % 3 == 0,
    lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
    lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
)


class PayloadTooLong(ValueError):
    """The payload does not fit a version-40 symbol."""


# --- GF(256) and Reed-Solomon -------------------------------------------------

_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _i in range(255):
    _EXP[_i] = _value
    _LOG[_value] = _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


def _gf_mul(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@functools.cache
def _rs_table(degree: int) -> tuple[int, ...]:
    """For each feedback byte, the generator's low terms times it, as one integer."""
    generator = [1]  # coefficients, highest power first
    for i in range(degree):
        root = _EXP[i]
        nxt = generator + [0]
        for j in range(1, len(nxt)):
            nxt[j] ^= _gf_mul(generator[j - 1], root)
        generator = nxt
    low = generator[1:]
    return tuple(int.from_bytes(bytes(_gf_mul(f, c) for c in low), "big") for f in range(256))


def _rs_remainder(data: bytes, degree: int) -> bytes:
    """The ``degree`` error-correction codewords of ``data`` (a shift register)."""
    table = _rs_table(degree)
    shift = 8 * (degree - 1)
    mask = (1 << (8 * degree)) - 1
    rem = 0
    for byte in data:
        rem = ((rem << 8) & mask) ^ table[byte ^ (rem >> shift)]
    return rem.to_bytes(degree, "big")


@functools.cache
def _rs_position_tables(length: int, degree: int) -> tuple[tuple[int, ...], ...]:
    """Per data position, the error-correction contribution of each byte value.

    Reed-Solomon is linear: the codewords of a block are the XOR of what each
    data byte contributes alone, so a block costs one lookup per byte.
    """
    tables = []
    for position in range(length):
        unit = bytearray(length)
        unit[position] = 1
        base = _rs_remainder(bytes(unit), degree)
        tables.append(
            tuple(
                int.from_bytes(bytes(_gf_mul(value, c) for c in base), "big")
                for value in range(256)
            )
        )
    return tuple(tables)


def _ecc(data: bytes, degree: int) -> bytes:
    tables = _rs_position_tables(len(data), degree)
    return reduce(xor, map(tuple.__getitem__, tables, data), 0).to_bytes(degree, "big")


# --- symbol plans, one per version ---------------------------------------------


@dataclass(frozen=True)
class _Plan:
    version: int
    size: int
    width: int  # columns per row in the padded matrix (a multiple of 4)
    data_capacity: int  # data codewords
    count_bits: int
    blocks: tuple[tuple[int, int], ...]  # (data codewords, ecc codewords) per block
    gather: itemgetter  # source bit of each padded-matrix cell (blocks not yet interleaved)
    source_extra: str  # appended after the codeword bits: a light and a dark constant
    mask_bits: int  # the mask over the padded matrix, one bit a cell


def _function_modules(version: int) -> tuple[list[list[bool]], list[list[bool]]]:
    """(is_function, dark) for every module, the mask not applied."""
    size = 17 + 4 * version
    dark = [[False] * size for _ in range(size)]
    func = [[False] * size for _ in range(size)]

    def put(x: int, y: int, value: bool) -> None:
        dark[y][x] = value
        func[y][x] = True

    for i in range(size):
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)
    for cx, cy in ((3, 3), (size - 4, 3), (3, size - 4)):
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                x, y = cx + dx, cy + dy
                if 0 <= x < size and 0 <= y < size:
                    put(x, y, max(abs(dx), abs(dy)) not in (2, 4))
    if version >= 2:
        positions = consts.ALIGNMENT_POS[version - 2]
        last = len(positions) - 1
        for i, px in enumerate(positions):
            for j, py in enumerate(positions):
                if (i, j) in ((0, 0), (0, last), (last, 0)):
                    continue
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        put(px + dx, py + dy, max(abs(dx), abs(dy)) != 1)
    # Format information areas (values set per mask) and the dark module.
    for i in range(9):
        if i != 6:  # the timing patterns cross here
            put(8, i, False)
            put(i, 8, False)
    for i in range(8):
        put(size - 1 - i, 8, False)
        put(8, size - 1 - i, False)
    put(8, size - 8, True)
    if version >= 7:
        rem = version
        for _ in range(12):
            rem = (rem << 1) ^ ((rem >> 11) * 0x1F25)
        bits = version << 12 | rem
        for i in range(18):
            bit = (bits >> i) & 1 == 1
            a, b = size - 11 + i % 3, i // 3
            put(a, b, bit)
            put(b, a, bit)
    return func, dark


def _format_bits(mask: int) -> int:
    data = mask  # level M's two bits are 00
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    return (data << 10 | rem) ^ 0x5412


def _place_format(dark: list[list[bool]], size: int, mask: int) -> None:
    bits = _format_bits(mask)

    def bit(i: int) -> bool:
        return (bits >> i) & 1 == 1

    for i in range(6):
        dark[i][8] = bit(i)
    dark[7][8] = bit(6)
    dark[8][8] = bit(7)
    dark[8][7] = bit(8)
    for i in range(9, 15):
        dark[8][14 - i] = bit(i)
    for i in range(8):
        dark[8][size - 1 - i] = bit(i)
    for i in range(8, 15):
        dark[size - 15 + i][8] = bit(i)
    dark[size - 8][8] = True


@functools.cache
def _plan(version: int, mask: int = DEFAULT_MASK) -> _Plan:
    size = 17 + 4 * version
    width = (size + 3) // 4 * 4
    func, dark = _function_modules(version)
    _place_format(dark, size, mask)
    groups = consts.ECC[version][ERROR_LEVEL_M]
    blocks = tuple(
        (group.num_data, group.num_total - group.num_data)
        for group in groups
        for _ in range(group.num_blocks)
    )
    data_capacity = sum(d for d, _ in blocks)
    total_bits = 8 * sum(d + e for d, e in blocks)

    # Codewords are placed interleaved (first bytes of every block, then the
    # second...), data before error correction. Block i's bytes sit at
    # starts[i] in the plain concatenation that encode() builds.
    interleaved: list[int] = []
    for part in (0, 1):
        starts, at = [], 0 if part == 0 else data_capacity
        for block in blocks:
            starts.append(at)
            at += block[part]
        for i in range(max(b[part] for b in blocks)):
            interleaved.extend(s + i for s, b in zip(starts, blocks, strict=True) if i < b[part])

    order = []  # data modules in placement order
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1
        upward = ((right + 1) & 2) == 0
        for vert in range(size):
            y = size - 1 - vert if upward else vert
            for x in (right, right - 1):
                if not func[y][x]:
                    order.append((x, y))
    constant_zero, constant_one = total_bits, total_bits + 1
    source_index: dict[tuple[int, int], int] = {}
    for k, xy in enumerate(order):
        # Placed bit k is bit k % 8 of interleaved codeword k // 8.
        source_index[xy] = 8 * interleaved[k // 8] + k % 8 if k < total_bits else constant_zero
    mask_test = _MASKS[mask]
    gather_indices, mask_cells = [], bytearray()
    for y in range(size):
        for x in range(width):
            if x >= size:
                gather_indices.append(constant_zero)
                mask_cells.append(0)
            elif func[y][x]:
                gather_indices.append(constant_one if dark[y][x] else constant_zero)
                mask_cells.append(0)
            else:
                gather_indices.append(source_index[(x, y)])
                mask_cells.append(1 if mask_test(x, y) else 0)
    return _Plan(
        version=version,
        size=size,
        width=width,
        data_capacity=data_capacity,
        count_bits=8 if version < 10 else 16,
        blocks=blocks,
        gather=itemgetter(*gather_indices),
        source_extra="01",
        mask_bits=int(bytes(mask_cells).translate(_TO_ASCII), 2),
    )


@functools.cache
def version_for(length: int, minimum: int = 1) -> int:
    """The smallest version (at least ``minimum``) holding ``length`` bytes at level M."""
    for version in range(max(minimum, 1), 41):
        groups = consts.ECC[version][ERROR_LEVEL_M]
        capacity = sum(g.num_data * g.num_blocks for g in groups)
        count_bits = 8 if version < 10 else 16
        if 4 + count_bits + 8 * length <= 8 * capacity:
            return version
    raise PayloadTooLong(f"{length} bytes do not fit a QR code at level M")


@dataclass(frozen=True)
class Symbol:
    """An encoded QR symbol: ``size`` rows of ``width`` cells, one bit each (1 dark).

    ``cells`` holds the rows top to bottom, each padded to ``width`` columns,
    the first cell in the most significant bit.
    """

    version: int
    size: int
    width: int
    cells: int

    def rows(self) -> list[bytes]:
        """Each row as bytes of 0 (light) and 1 (dark), without padding."""
        text = format(self.cells, f"0{self.size * self.width}b").encode().translate(_FROM_ASCII)
        return [text[r * self.width : r * self.width + self.size] for r in range(self.size)]


def _data_codewords(plan: _Plan, payload: bytes) -> bytes:
    """Mode, length, payload, terminator and padding: the data codewords."""
    capacity_bits = 8 * plan.data_capacity
    bits = (0b0100 << plan.count_bits | len(payload)) << 8 * len(payload)
    bits |= int.from_bytes(payload, "big")
    used = 4 + plan.count_bits + 8 * len(payload)
    terminator = min(4, capacity_bits - used)
    used += terminator
    padding = -used % 8
    bits <<= terminator + padding
    used += padding
    data = bits.to_bytes(used // 8, "big")
    pad_count = plan.data_capacity - len(data)
    return data + (b"\xec\x11" * (pad_count // 2 + 1))[:pad_count]


def _place(plan: _Plan, data: bytes) -> int:
    """The symbol's cells for these data codewords, step by step."""
    codewords, at = [data], 0
    for data_len, ecc_len in plan.blocks:
        codewords.append(_ecc(data[at : at + data_len], ecc_len))
        at += data_len
    stream = b"".join(codewords)
    source = format(int.from_bytes(stream, "big"), f"0{8 * len(stream)}b") + plan.source_extra
    return int("".join(plan.gather(source)), 2) ^ plan.mask_bits


#: Versions small enough for the linear tables (v15 at level M holds 412 bytes).
LINEAR_MAX_VERSION = 15


@functools.cache
def _linear_tables(version: int, mask: int) -> tuple[int, tuple[tuple[int, ...], ...]]:
    """The symbol as a function of its data codewords, one table per data nibble.

    Error correction, placement and masking are all linear over GF(2), so a
    symbol is the empty symbol XOR what each data nibble contributes alone.
    Built from one step-by-step placement per data bit (a few tenths of a
    second, once per version); a symbol then costs one lookup per nibble.
    """
    plan = _plan(version, mask)
    empty = _place(plan, bytes(plan.data_capacity))
    per_bit = []
    for index in range(plan.data_capacity):
        for bit in range(8):
            unit = bytearray(plan.data_capacity)
            unit[index] = 0x80 >> bit
            per_bit.append(_place(plan, bytes(unit)) ^ empty)
    tables = []
    for start in range(0, len(per_bit), 4):
        bits = per_bit[start : start + 4]
        table = [0] * 16
        for value in range(1, 16):
            low = value & -value
            table[value] = table[value ^ low] ^ bits[3 - (low.bit_length() - 1)]
        tables.append(tuple(table))
    return empty, tuple(tables)


def encode(payload: bytes, *, minimum_version: int = 1, mask: int = DEFAULT_MASK) -> Symbol:
    """``payload`` as a QR symbol in byte mode, level M, the given mask."""
    plan = _plan(version_for(len(payload), minimum_version), mask)
    data = _data_codewords(plan, payload)
    if plan.version > LINEAR_MAX_VERSION:
        return Symbol(plan.version, plan.size, plan.width, _place(plan, data))
    _, tables = _linear_tables(plan.version, mask)
    # Relative to a reference symbol of the same length: the certificates of
    # one deployment share the URL's start and the padding, so only the
    # nibbles that differ (serial, signature) cost a lookup.
    reference_data, reference_cells = _reference(plan.version, mask, len(payload), data)
    difference = (int.from_bytes(data, "big") ^ int.from_bytes(reference_data, "big")).to_bytes(
        len(data), "big"
    )
    nibbles = bytes.fromhex("0" + "0".join(difference.hex()))
    changed = compress(zip(tables, nibbles, strict=True), nibbles)
    cells = reduce(xor, starmap(tuple.__getitem__, changed), reference_cells)
    return Symbol(plan.version, plan.size, plan.width, cells)


_references: dict[tuple[int, int, int], tuple[bytes, int]] = {}


def _reference(version: int, mask: int, length: int, data: bytes) -> tuple[bytes, int]:
    """The first symbol encoded for (version, mask, payload length), kept as a reference."""
    key = (version, mask, length)
    found = _references.get(key)
    if found is None:
        empty, tables = _linear_tables(version, mask)
        nibbles = bytes.fromhex("0" + "0".join(data.hex()))
        found = (data, reduce(xor, map(tuple.__getitem__, tables, nibbles), empty))
        if len(_references) < 256:
            _references[key] = found
    return found


def encode_stepwise(payload: bytes, *, minimum_version: int = 1, mask: int = DEFAULT_MASK):
    """The same symbol as :func:`encode`, built step by step (checks the tables)."""
    plan = _plan(version_for(len(payload), minimum_version), mask)
    return Symbol(plan.version, plan.size, plan.width, _place(plan, _data_codewords(plan, payload)))
