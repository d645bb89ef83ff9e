"""Options shared by the commands: output, claims, and a network's rules."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

FORMATS = ("text", "markdown", "latex", "json", "pdf")
FOLDER_FORM = "derive.output_written_as_folder"


class OutputPath(click.Path):
    """A path that remembers, in the context, whether it was written as a folder (`out/`):
    pathlib drops the trailing separator, and a single-file output must refuse it rather than
    write a file named `out`."""

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if ctx is not None and isinstance(value, str):
            ctx.meta[FOLDER_FORM] = value.endswith(("/", os.sep))
        return super().convert(value, param, ctx)


def written_as_folder() -> bool:
    """True when this command's -o was written with a trailing separator."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx and ctx.meta.get(FOLDER_FORM))


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--format, -o/--output, --fragment and --digits, shared by every command."""
    command = click.option("--digits", default=4, show_default=True,
                           type=click.IntRange(1, 15), help="Significant digits shown.")(command)
    command = click.option("--fragment", is_flag=True,
                           help="LaTeX without preamble, to \\input into a document.")(command)
    command = click.option("-o", "--output-file", "output",
                           type=OutputPath(path_type=Path),  # a folder: sheet --variants
                           help="Write to FILE (atomically); the suffix picks the format.")(command)
    return click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False),
                        help="Output format (default: from the -o suffix, else text; pdf runs "
                             "pdflatex).")(command)


def claim_options(*examples: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The output options, and --claim to check answers someone claimed; its help shows
    `examples`, claims that fit the command (its own example's answers)."""
    shown = ", ".join(f"--claim {example}" for example in examples)

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        command = output_options(command)
        return click.option("--claim", "claims", multiple=True, metavar="NAME=VALUE",
                            help=f"Check a claimed answer, repeatable: {shown}.")(command)
    return decorate


def kind_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """`claim_options` with the fully connected network's claims (params, mlp-grad)."""
    return claim_options("total=6585", "'dl/dW_2=(yhat - y) @ sigmoid(A).T'")(command)


NETWORK_OPTIONS = ("hidden", "output_layer", "loss", "half_mse", "convention", "reduction",
                   "slope", "names")


def network_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Activations, output layer and loss, convention, reduction, names: shared by the
    commands that describe a fully connected network."""
    options = [
        click.option("--hidden", default="sigmoid", show_default=True,
                     help="sigmoid, relu, tanh, leaky_relu or identity; one, or one per layer."),
        click.option("--output", "output_layer", default="softmax", show_default=True,
                     type=click.Choice(["softmax", "sigmoid", "identity", "tanh"]),
                     help="Output layer; identity gives logits (ce and bce then apply "
                          "log-softmax or sigmoid inside, as torch's losses on logits)."),
        click.option("--loss", type=click.Choice(["ce", "bce", "mse"]),
                     help="Loss (default: ce after softmax, bce after sigmoid, mse after "
                          "identity or tanh); any meaningful pair, e.g. sigmoid with mse."),
        click.option("--half-mse", is_flag=True, help="MSE with the factor 1/2."),
        click.option("--convention", default="Wx", show_default=True,
                     type=click.Choice(["Wx", "WTx", "XWT", "XW"], case_sensitive=False),
                     help="z = W x + b, z = W^T x + b, Z = X W^T + b (rows), Z = X W + b "
                          "(rows)."),
        click.option("--reduction", default="mean", show_default=True,
                     type=click.Choice(["mean", "sum"]), help="Over the batch (row conventions)."),
        click.option("--slope", help="Slope of leaky_relu below 0 (default 0.01)."),
        click.option("--names", help="Symbol names, e.g. 'b=c,z=A/B' or 'W=W^,b=W_0^'."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def network_fields(options: dict[str, Any]) -> dict[str, Any]:
    """The network options of a command as problem fields (removed from `options`)."""
    fields = {name: options.pop(name) for name in NETWORK_OPTIONS}
    fields["output"] = fields.pop("output_layer")
    return fields
