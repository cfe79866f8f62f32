"""Table grids of a scanned page, found from its ruling lines (no OCR here).

A ruling is a long run of dark pixels; tables are the vertical extents its vertical rulings
cover; a merged cell is where a ruling between two grid cells is missing.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _runs_mask(dark: np.ndarray, length: int, axis: int) -> np.ndarray:
    """Pixels that belong to a run of at least `length` dark pixels along `axis` (slices only:
    a page at 300 DPI is 9 million pixels)."""
    along = np.moveaxis(dark, axis, -1)
    n = along.shape[-1]
    if n < length:
        return np.zeros_like(dark, dtype=bool)
    zero = np.zeros(along.shape[:-1] + (1,), np.int32)
    sums = np.concatenate([zero, np.cumsum(along, axis=-1, dtype=np.int32)], axis=-1)
    full = (sums[..., length:] - sums[..., :-length]) == length  # a run of `length` starts here
    starts = np.concatenate([zero, np.cumsum(full, axis=-1, dtype=np.int32)], axis=-1)
    # pixel i is covered when a full window starts in [i-length+1, i]: pad, then one subtraction
    padded = np.concatenate([np.repeat(zero, length - 1, axis=-1), starts,
                             np.repeat(starts[..., -1:], length - 1, axis=-1)], axis=-1)
    covered = (padded[..., length:length + n] - padded[..., :n]) > 0
    return np.moveaxis(covered, -1, axis)


def grow(mask: np.ndarray, pixels: int) -> np.ndarray:
    """Dilate a mask: the ragged edges of a scanned ruling read as 。 or 丨 if left behind."""
    grown = mask.copy()
    for shift in range(1, pixels + 1):
        grown[shift:, :] |= mask[:-shift, :]
        grown[:-shift, :] |= mask[shift:, :]
        grown[:, shift:] |= mask[:, :-shift]
        grown[:, :-shift] |= mask[:, shift:]
    return grown


def _segments(profile: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True in a 1-D array as (start, end_exclusive)."""
    padded = np.concatenate([[False], profile, [False]]).astype(np.int8)
    changes = np.flatnonzero(np.diff(padded))
    return list(zip(changes[0::2], changes[1::2]))


@dataclass
class Rulings:
    horizontal: np.ndarray  # mask
    vertical: np.ndarray

    def has_vertical(self, x: int, y0: int, y1: int, slack: int = 4) -> bool:
        band = self.vertical[y0:y1, max(0, x - slack): x + slack + 1]
        return band.size > 0 and band.any(axis=1).mean() > 0.5

    def has_horizontal(self, y: int, x0: int, x1: int, slack: int = 4) -> bool:
        band = self.horizontal[max(0, y - slack): y + slack + 1, x0:x1]
        return band.size > 0 and band.any(axis=0).mean() > 0.5


def find_rulings(dark: np.ndarray, dpi: int) -> Rulings:
    horizontal = _runs_mask(dark, max(40, int(dpi * 0.35)), axis=1)
    vertical = _runs_mask(dark, max(30, int(dpi * 0.17)), axis=0)
    return Rulings(horizontal, vertical)


def table_grids(rulings: Rulings) -> list[tuple[list[int], list[int]]]:
    """One (xs, ys) grid per table: tables are the vertical extents covered by vertical rulings."""
    columns = rulings.vertical.any(axis=0)
    vertical_lines = []  # (x, y0, y1)
    for x0, x1 in _segments(columns):
        for y0, y1 in _segments(rulings.vertical[:, x0:x1].any(axis=1)):
            vertical_lines.append(((x0 + x1) // 2, y0, y1))
    extents: list[list[int]] = []
    for _x, y0, y1 in sorted(vertical_lines, key=lambda v: v[1]):
        if extents and y0 <= extents[-1][1] + 3:
            extents[-1][1] = max(extents[-1][1], y1)
        else:
            extents.append([y0, y1])
    grids = []
    for top, bottom in extents:
        xs = sorted({x for x, y0, y1 in vertical_lines if y0 >= top - 3 and y1 <= bottom + 3})
        xs = [x for i, x in enumerate(xs) if i == 0 or x - xs[i - 1] > 8]
        band = rulings.horizontal[max(0, top - 4): bottom + 5, xs[0]: xs[-1] + 1] if xs else None
        if band is None or len(xs) < 2:
            continue
        ys = [max(0, top - 4) + (a + b) // 2 for a, b in _segments(band.any(axis=1))]
        if len(ys) >= 2:
            grids.append((xs, ys))
    return grids


def grid_cells(xs: list[int], ys: list[int], rulings: Rulings) -> list[tuple[int, int, int, int]]:
    """Merged cells as (row0, col0, row1, col1) inclusive: neighbours with no ruling between them join."""
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        for c in range(cols):
            inner_y0, inner_y1 = ys[r] + 3, ys[r + 1] - 3
            inner_x0, inner_x1 = xs[c] + 3, xs[c + 1] - 3
            if c + 1 < cols and not rulings.has_vertical(xs[c + 1], inner_y0, inner_y1):
                parent[find(r * cols + c)] = find(r * cols + c + 1)
            if r + 1 < rows and not rulings.has_horizontal(ys[r + 1], inner_x0, inner_x1):
                parent[find(r * cols + c)] = find((r + 1) * cols + c)
    boxes: dict[int, list[int]] = {}
    for r in range(rows):
        for c in range(cols):
            box = boxes.setdefault(find(r * cols + c), [r, c, r, c])
            box[0], box[1] = min(box[0], r), min(box[1], c)
            box[2], box[3] = max(box[2], r), max(box[3], c)
    return [tuple(b) for b in boxes.values()]
