"""SymPy building blocks: unevaluated construction, shapes, and (later) layer rules."""
