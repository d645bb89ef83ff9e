"""Numeric kernels written against an array module `xp` (NumPy, or CuPy on a GPU)."""
