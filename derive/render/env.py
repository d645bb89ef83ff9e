"""Jinja2 environments: templates from a user override, the installed copy, or the checkout."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from derive.render.cells import tex_cell, tex_header
from derive.render.tex import tex_escape

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def template_dirs() -> list[str]:
    """$DERIVE_TEMPLATES (if set), then derive/templates (wheel), then ../templates (checkout)."""
    candidates = [os.environ.get("DERIVE_TEMPLATES", ""), str(PACKAGE_DIR / "templates"),
                  str(PACKAGE_DIR.parent / "templates")]
    return [path for path in candidates if path and Path(path).is_dir()]


@cache
def environment(fmt: str) -> jinja2.Environment:
    """The environment for 'latex' (\\VAR, \\BLOCK delimiters) or 'markdown' (Jinja defaults)."""
    loader = jinja2.FileSystemLoader(template_dirs())
    common: dict[str, Any] = {
        "loader": loader, "undefined": jinja2.StrictUndefined, "autoescape": False,
        "trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}
    if fmt == "latex":
        env = jinja2.Environment(block_start_string=r"\BLOCK{", block_end_string="}",
                                 variable_start_string=r"\VAR{", variable_end_string="}",
                                 comment_start_string=r"\#{", comment_end_string="}",
                                 line_statement_prefix=None, line_comment_prefix="%#",
                                 **common)
    else:
        env = jinja2.Environment(**common)
    env.filters["tex_escape"] = tex_escape
    env.filters["tex_cell"] = tex_cell
    env.filters["tex_header"] = tex_header
    return env
