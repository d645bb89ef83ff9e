"""The receptive field of a stack of windows: size r, jump j and start s per dimension.

Through a window of kernel k, stride st, padding p and dilation d (k_e = d (k - 1) + 1):
r' = r + (k_e - 1) j,  j' = j st,  s' = s + ((k_e - 1)/2 - p) j.
The input starts at r = 1, j = 1, s = 0: s is the input position (from 0, in pixels) of the
centre of the first output's field.

>>> f = Field.start(2)
>>> f = f.through(Window((5, 5), (1, 1), (0, 0), (1, 1)))
>>> f = f.through(Window((2, 2), (2, 2), (0, 0), (1, 1)))
>>> f.size, f.jump, f.first
((6, 6), (2, 2), (Fraction(5, 2), Fraction(5, 2)))
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from derive.models.rules import Window


@dataclass(frozen=True)
class Field:
    """Receptive field size, jump (input positions between neighbouring outputs) and the
    centre of the first output's field, per spatial dimension."""

    size: tuple[int, ...]
    jump: tuple[int, ...]
    first: tuple[Fraction, ...]

    @staticmethod
    def start(dims: int) -> Field:
        """One input position: r = 1, j = 1, s = 0."""
        return Field((1,) * dims, (1,) * dims, (Fraction(0),) * dims)

    def through(self, window: Window) -> Field:
        """The field after `window` (the recurrence in the module's docstring)."""
        size, jump, first = [], [], []
        for r, j, s, k, st, p, d in zip(self.size, self.jump, self.first, window.kernel,
                                        window.stride, window.padding, window.dilation,
                                        strict=True):
            span = d * (k - 1)
            size.append(r + span * j)
            jump.append(j * st)
            first.append(s + (Fraction(span, 2) - p) * j)
        return Field(tuple(size), tuple(jump), tuple(first))

    def repeated(self, before: Field, times: int) -> Field:
        """This field after `times` more copies of the block that led from `before` to it."""
        field = self
        for _ in range(times):
            sizes = zip(field.size, field.jump, self.size, before.size, before.jump, strict=True)
            jumps = zip(field.jump, self.jump, before.jump, strict=True)
            firsts = zip(field.first, field.jump, self.first, before.first, before.jump,
                         strict=True)
            field = Field(tuple(r + (r1 - r0) * j // j0 for r, j, r1, r0, j0 in sizes),
                          tuple(j * j1 // j0 for j, j1, j0 in jumps),
                          tuple(s + (s1 - s0) * j / j0 for s, j, s1, s0, j0 in firsts))
        return field
