"""The documented maximums of a model description, each checked before any work is done.

A description is hostile input: every size below is checked while it is read, and the
work done is linear in the text (a repeat is counted, never expanded).
"""

from __future__ import annotations

MAX_TEXT = 100_000  # characters of one description
MAX_NESTING = 24  # brackets open at once: Sequential(Residual(Sequential(...)))
MAX_CALLS = 5_000  # constructor calls written in the text (layers and combinators)
MAX_REPEAT = 10_000  # the count of one Repeat(n, ...)
MAX_EXPANDED = 10**9  # layers once every repeat is multiplied out (counted, never built)
MAX_INT = 10**12  # any integer written or computed in an argument
MAX_POWER = 64  # the exponent of `**` (and 2**40 is the largest result it may give)
MAX_SEQUENCE = 16  # entries of a tuple or list argument: kernel (3, 3), normalized_shape
MAX_INPUTS = 8  # tensors given as input
MAX_DIMS = 6  # dimensions of one input tensor
MAX_ELEMENTS = 10**15  # elements of any tensor, input or output
