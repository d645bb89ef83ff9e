"""The `derive` command line: the group, `sheet`, `check`, and the entry point.

The kinds' commands (`derive.commands.kinds`) and `train` are registered here. Each
command gathers its options into raw fields, and the library validates, solves and
renders them; errors become one line on stderr with exit status 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from derive import __version__
from derive.commands.kinds import KINDS
from derive.commands.options import output_options
from derive.commands.results import finish, pictures_beside, report
from derive.errors import DeriveError


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="derive")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Worked, verified solutions for deep-learning coursework.

    \b
    Examples:
      derive params --layers 100,50,25,10
      derive conv-size --input 32x32 --kernel 3
      derive sheet                      # the built-in example set
      derive sheet problems.toml -o key.tex
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@cli.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Also fail (exit 1) on rounding slips.")
@click.option("--rtol", type=click.FloatRange(0, 1, min_open=True),
              help="Relative tolerance for reals, instead of the claim's written digits.")
@output_options
def check(file: Path, strict: bool, rtol: float | None, fmt: str | None, output: Path | None,
          fragment: bool, digits: int) -> None:
    """Judge every claimed answer of a problem-set file: correct, rounding slip or wrong.

    \b
    Examples:
      derive check examples/seed-000.toml
      derive check examples/seed-003.toml -o marked-key.pdf      # wrong claims struck through
      derive check answers.toml --format json --strict
    Exit status: 0 when no claim is wrong, 1 when one is, 2 for bad input.
    """
    from derive import solve_set
    from derive.output import choose_format
    from derive.problemset import load

    problem_set = load(file)
    report(solve_set(problem_set), choose_format(fmt, output), output, digits, strict, rtol,
           problem_set.title)


@cli.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--solutions/--no-solutions", default=True, show_default=True,
              help="Include worked solutions (--no-solutions: the question sheet).")
@click.option("--variants", type=click.IntRange(1, 500),
              help="Write N randomized variants (question sheet and key each) into the -o folder.")
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0),
              help="Seed of the variants' draws.")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path),
              help="Class roster (CSV: id, name): a sheet and key per student into -o out/.")
@output_options
def sheet(file: Path | None, solutions: bool, variants: int | None, seed: int,
          roster: Path | None, fmt: str | None, output: Path | None, fragment: bool,
          digits: int) -> None:
    """Render every problem of a problem-set file (TOML) into one document.

    \b
    Examples:
      derive sheet                          # the built-in example set
      derive sheet problems.toml -o key.pdf
      derive sheet problems.toml --no-solutions -o questions.tex
      derive sheet problems.toml --variants 30 --seed 7 -o out/
      derive sheet quiz.toml --roster students.csv --seed 7 -o papers/
    """
    from derive import solve_set
    from derive.output import choose_format, rendered_as
    from derive.problemset import builtin, load
    from derive.render import render_set

    if roster:
        from derive.commands.classroom import papers

        papers(file, roster, variants, seed, fmt, output, digits)
        return
    problem_set = load(file) if file else builtin()
    if variants:
        _variants(problem_set, variants, seed, fmt, output, file)
        return
    chosen = choose_format(fmt, output)
    text = render_set(problem_set.title, solve_set(problem_set), rendered_as(chosen),
                      fragment=fragment, digits=digits, solutions_shown=solutions,
                      pictures=pictures_beside(output))
    finish(text, output, chosen)


def _variants(problem_set: Any, count: int, seed: int, fmt: str | None, folder: Path | None,
              file: Path | None) -> None:
    from derive.output import check_folder
    from derive.variants import varied, write_variants

    if folder is None or folder.suffix:
        raise DeriveError("output: variants go into a folder; add -o out/")
    check_folder(folder, "output")
    if not varied(problem_set):
        click.echo("derive: note: no problem declares a vary table; the variants are the same",
                   err=True)
    paths = write_variants(problem_set, count, seed, folder, fmt or "latex",
                           file.stem if file else "builtin")
    click.echo(f"wrote {len(paths)} files to {folder}", err=True)


def _register() -> None:
    from derive.commands.classroom import COMMANDS as CLASSROOM
    from derive.training import train

    for command in (*KINDS, train, *CLASSROOM):
        cli.add_command(command)


_register()


def joined(message: str, hint: str) -> str:
    """A message and a hint as one sentence: click's messages end with a full stop.

    >>> joined("No such option '-V'.", "see 'derive --help'")
    "No such option '-V'; see 'derive --help'"
    """
    message = message.strip()
    return f"{message.removesuffix('.')}; {hint}" if hint else message


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning known errors into one line and an exit status."""
    try:
        status = cli.main(args=argv, prog_name="derive", standalone_mode=False)
    except click.UsageError as error:
        hint = f"see '{error.ctx.command_path} --help'" if error.ctx else ""
        click.echo(f"derive: error: {joined(error.format_message(), hint)}", err=True)
        sys.exit(2)
    except click.ClickException as error:
        click.echo(f"derive: error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except DeriveError as error:
        click.echo(f"derive: error: {error}", err=True)
        sys.exit(error.exit_code)
    except (click.Abort, KeyboardInterrupt) as stop:
        if isinstance(stop.__cause__, EOFError):  # click turns EOFError into Abort too
            click.echo(f"derive: error: unexpected end of input ({stop.__cause__ or 'EOF'})",
                       err=True)
            sys.exit(2)
        click.echo("derive: interrupted", err=True)
        sys.exit(130)
    except OSError as error:
        click.echo(f"derive: error: {error.strerror or error}: {error.filename or ''}", err=True)
        sys.exit(2)
    sys.exit(status if isinstance(status, int) else 0)
