"""The `derive` command line: one subcommand per kind, plus `sheet`.

Each command gathers its options into raw fields, and the library validates, solves
and renders them; errors become one line on stderr with exit status 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from derive import __version__
from derive.errors import DeriveError

FORMATS = ("text", "markdown", "latex", "json", "pdf")


def output_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--format, -o/--output, --fragment and --digits, shared by every command."""
    command = click.option("--digits", default=4, show_default=True,
                           type=click.IntRange(1, 15), help="Significant digits shown.")(command)
    command = click.option("--fragment", is_flag=True,
                           help="LaTeX without preamble, to \\input into a document.")(command)
    command = click.option("-o", "--output-file", "output",
                           type=click.Path(dir_okay=False, path_type=Path),
                           help="Write to FILE (atomically); the suffix picks the format.")(command)
    return click.option("--format", "fmt", type=click.Choice(FORMATS, case_sensitive=False),
                        help="Output format (default: from the -o suffix, else text; pdf runs "
                             "pdflatex).")(command)


def kind_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The output options, and --claim to check answers someone claimed."""
    command = output_options(command)
    return click.option("--claim", "claims", multiple=True, metavar="NAME=VALUE",
                        help="Check a claimed answer, repeatable: --claim total=6585, "
                             "--claim 'dl/dW_2=(yhat - y) @ sigmoid(A).T'.")(command)


def emit(kind: str, fields: dict[str, Any], fmt: str | None, output: Path | None,
         fragment: bool, digits: int, claims: tuple[str, ...] = ()) -> None:
    """Validate `fields` as a problem of `kind`, solve it, render it, write or echo it; with
    claims, judge them and report (exit status 1 when one is wrong)."""
    from derive import problem, solve
    from derive.output import choose_format, rendered_as
    from derive.render import render

    chosen = choose_format(fmt, output)
    if claims:
        fields = {**fields, "claims": dict(parse_claim(claim) for claim in claims)}
    solution = solve(problem(kind, **{k: v for k, v in fields.items() if v is not None}))
    if claims:
        report([solution], chosen, output, digits, strict=False, rtol=None)
        return
    finish(render(solution, rendered_as(chosen), fragment=fragment, digits=digits), output,
           chosen)


def parse_claim(claim: str) -> tuple[str, Any]:
    """NAME=VALUE: a number keeps its written digits; 1,2;3,4 is a matrix; else a text."""
    from derive.fields import real_rows

    name, separator, value = claim.partition("=")
    if not separator or not name.strip():
        raise DeriveError(f"claim: write NAME=VALUE, got {claim!r}")
    try:
        rows = real_rows(value, "claim")
    except DeriveError:
        return name.strip(), value.strip()
    if len(rows) == 1 and len(rows[0]) == 1 and "," not in value:
        return name.strip(), rows[0][0]
    return name.strip(), [list(row) for row in rows] if ";" in value else list(rows[0])


def report(solutions: list[Any], chosen: str, output: Path | None, digits: int, strict: bool,
           rtol: float | None, title: str = "") -> None:
    """Judge every claim; write the report; exit 1 when one is wrong (or a slip, if strict)."""
    from derive.check import check
    from derive.output import rendered_as
    from derive.render import render_set
    from derive.render.report import report_json, report_text

    verdicts = {s.problem.id: check(s, rtol) for s in solutions}
    flat = [v for judged in verdicts.values() for v in judged]
    if chosen == "text":
        text = report_text(flat, digits)
    elif chosen == "json":
        text = report_json(flat)
    else:
        text = render_set(title, solutions, rendered_as(chosen), digits=digits, checks=verdicts)
    finish(text, output, chosen)
    failing = {"wrong", "rounding slip"} if strict else {"wrong"}
    if any(v.verdict in failing for v in flat):
        sys.exit(1)


def finish(text: str, output: Path | None, chosen: str) -> None:
    """Echo `text`, or write it to `output` atomically (compiled first when a PDF)."""
    from derive.output import write_atomic
    from derive.pdf import write_pdf

    if output is None:
        click.echo(text, nl=False)
        return
    if chosen == "pdf":
        write_pdf(output, text)
    else:
        write_atomic(output, text)
    click.echo(f"wrote {output}", err=True)


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
@click.option("--layers", required=True, help="Widths, input first, e.g. 100,50,25,10.")
@click.option("--bias/--no-bias", default=True, show_default=True, help="Count bias vectors.")
@kind_options
def params(layers: str, bias: bool, **out: Any) -> None:
    """Parameter count of a fully connected network, per layer and in total.

    \b
    Example:
      derive params --layers 100,50,25,10 --format json
    Answers: total, per_layer, weights, biases.
    """
    emit("params", {"layers": layers, "bias": bias}, **out)


@cli.command("conv-size")
@click.option("--input", "input_size", required=True, help="Input height x width: 32x32 or 32.")
@click.option("--channels", help="Input channels, to show C x H x W and count parameters.")
@click.option("--kernel", help="Kernel size (int or HxW) of a single layer.")
@click.option("--stride", help="Stride of a single layer (default 1; pools: the kernel).")
@click.option("--padding", help="Zero padding of a single layer (default 0).")
@click.option("--dilation", help="Dilation of a single layer (default 1).")
@click.option("--type", "layer_type", default="conv", show_default=True,
              type=click.Choice(["conv", "maxpool", "avgpool"]), help="Single layer's type.")
@click.option("--out-channels", help="Output channels of a single conv layer.")
@click.option("--layer", "layers", multiple=True,
              help="A layer of a stack, repeatable: 'conv k=3 s=1 p=1 d=1 out=16', 'maxpool k=2'.")
@kind_options
def conv_size(input_size: str, channels: str | None, kernel: str | None, stride: str | None,
              padding: str | None, dilation: str | None, layer_type: str,
              out_channels: str | None, layers: tuple[str, ...], **out: Any) -> None:
    """Output size of 2-D conv / pooling layers: floor((n + 2p - d(k-1) - 1)/s) + 1.

    \b
    Examples:
      derive conv-size --input 32x32 --kernel 3
      derive conv-size --input 28 --channels 1 --layer "conv k=5 p=2 out=6" --layer "maxpool k=2"
    Answers: output, shapes, params (when channels are known).
    """
    single = {"type": layer_type, "kernel": kernel, "stride": stride, "padding": padding,
              "dilation": dilation, "out_channels": out_channels}
    given = {key: value for key, value in single.items() if value is not None and key != "type"}
    if layers and given:
        raise DeriveError("layer: use either --layer (a stack) or --kernel/--stride/... "
                          "(one layer), not both")
    if not layers and "kernel" not in given:
        raise DeriveError("kernel: missing; give --kernel for one layer or --layer for a stack")
    stack: list[Any] = list(layers) or [{key: value for key, value in single.items()
                                          if value is not None}]
    emit("conv-size", {"input": input_size, "channels": channels, "layers": stack}, **out)


@cli.command("attention-params")
@click.option("--d-model", required=True, help="Model width d_model, e.g. 256.")
@click.option("--heads", required=True, help="Number of heads; must divide d_model.")
@click.option("--bias/--no-bias", default=True, show_default=True,
              help="Projections (and layer norms) have biases.")
@click.option("--ffn", help="Feed-forward width: also count a whole encoder layer.")
@click.option("--num-layers", help="Number of stacked encoder layers (default 1).")
@kind_options
def attention_params(d_model: str, heads: str, bias: bool, ffn: str | None,
                     num_layers: str | None, **out: Any) -> None:
    """Parameters of multi-head self-attention (as torch.nn.MultiheadAttention counts them).

    \b
    Examples:
      derive attention-params --d-model 256 --heads 8
      derive attention-params --d-model 512 --heads 8 --ffn 2048 --num-layers 6
    Answers: per_head, qkv, output_projection, attention (+ ffn, norms, layer, total).
    """
    emit("attention-params", {"d_model": d_model, "heads": heads, "bias": bias, "ffn": ffn,
                              "num_layers": num_layers}, **out)


@cli.command()
@click.option("--logits", help="Logits, rows separated by ';': 0.5,0.3,0.8")
@click.option("--probs", help="Probabilities (rows summing to 1), instead of logits.")
@click.option("--target", help="Target rows (one-hot or soft): 0.3,0.6,0.1")
@click.option("--label", help="Class index per row (from 0), instead of --target: 2 or 0,2")
@click.option("--loss", "losses", default="ce", show_default=True,
              help="Losses, comma-separated: ce, mse, bce.")
@click.option("--reduction", type=click.Choice(["mean", "sum"]),
              help="Over the batch (default: mean for ce and bce, sum for mse).")
@kind_options
def loss(logits: str | None, probs: str | None, target: str | None, label: str | None,
         losses: str, reduction: str | None, **out: Any) -> None:
    """Value of cross-entropy, MSE (sum of squares, no 1/2) or BCE, every term shown.

    \b
    Examples:
      derive loss --logits 0.5,0.3,0.8 --target 0.3,0.6,0.1 --loss mse,ce
      derive loss --logits "2,1,0;0,1,3" --label 0,2
    Answers: ce, mse, bce (whichever are asked for).
    """
    emit("loss", {"logits": logits, "probs": probs, "target": target, "label": label,
                  "losses": losses, "reduction": reduction}, **out)


NETWORK_OPTIONS = ("hidden", "output_layer", "loss", "half_mse", "convention", "reduction",
                   "slope", "names")


def network_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Activations, output layer and loss, convention, reduction, names: shared by the
    commands that describe a fully connected network."""
    options = [
        click.option("--hidden", default="sigmoid", show_default=True,
                     help="sigmoid, relu, tanh, leaky_relu or identity; one, or one per layer."),
        click.option("--output", "output_layer", default="softmax", show_default=True,
                     type=click.Choice(["softmax", "sigmoid", "identity"]), help="Output layer."),
        click.option("--loss", type=click.Choice(["ce", "bce", "mse"]),
                     help="Loss (default: ce after softmax, bce after sigmoid, mse after "
                          "identity)."),
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


@cli.command("mlp-grad")
@click.option("--layers", required=True, help="Widths, input first: 3072,256,10 (any depth).")
@network_options
@click.option("--seed", help="Seed of the random values the checks use (default 0).")
@click.option("--elementwise", is_flag=True,
              help="Also write every gradient entry by entry (dL/dW_ij as a sum).")
@kind_options
def mlp_grad(layers: str, seed: str | None, elementwise: bool, **options: Any) -> None:
    """Gradient of the loss for every weight and bias, by the chain rule, every step checked.

    \b
    Examples:
      derive mlp-grad --layers 3072,256,10 --hidden sigmoid --output softmax --loss ce
      derive mlp-grad --layers 3072,256,10 --names "b=c,z=A/B"          # seed 000's names
      derive mlp-grad --layers 5,7,4,3 --convention XWT --reduction mean
      derive mlp-grad --layers 10,20,1 --hidden relu --output sigmoid --convention XW
    Answers: dl/dW_l and dl/db_l for every layer (formula, shape, check residual).
    """
    fields = network_fields(options)
    emit("mlp-grad", {"layers": layers, "seed": seed, "elementwise": elementwise, **fields},
         **options)


@cli.command()
@click.option("--x", "x", required=True, help="Input: one example 1,0 or batch rows 1,0;0,1.")
@click.option("--target", help="Target rows (one-hot or soft): 0,1")
@click.option("--label", help="Class index per row (from 0), instead of --target.")
@click.option("--weights", multiple=True, required=True,
              help="W_l in the convention's orientation, rows separated by ';'; repeat per "
                   "layer: --weights '3,6;4,5' --weights '2,3;4,3'.")
@click.option("--biases", multiple=True, help="b_l, repeat per layer (default zeros): 1,-6")
@click.option("--lr", help="Learning rate of the SGD step (default 0.1).")
@network_options
@kind_options
def backprop(x: str, target: str | None, label: str | None, weights: tuple[str, ...],
             biases: tuple[str, ...], lr: str | None, **options: Any) -> None:
    """Worked numeric example: forward pass, loss, backward pass, one SGD step, new loss.

    \b
    Examples (seed 003, problem 2):
      derive backprop --convention WTx --x 1,0 --target 0,1 --weights "3,6;4,5" \\
        --weights "2,3;4,3" --biases 1,-6 --biases=-1,-2 --lr 0.5 --names "W=W^,b=W_0^,a=H"
      derive sheet problems.toml     # larger networks and batches from a problem file
    Answers: z_l, yhat, loss, every gradient, the updated parameters, the loss after.
    """
    fields = network_fields(options)
    emit("backprop", {"x": x, "target": target, "label": label, "weights": list(weights),
                      "biases": list(biases) or None, "lr": lr, **fields}, **options)


@cli.command()
@click.argument("expression")
@click.option("--at", "at", required=True, help="Values of the variables: x0=1,w0=0.3,...")
@click.option("--name", default="f", show_default=True, help="Name of the output node.")
@kind_options
def graph(expression: str, at: str, name: str, **out: Any) -> None:
    """Computational graph of an expression: forward values, local derivatives, backward pass.

    \b
    Example (seed 002, problem 1):
      derive graph "relu(w1*relu(w0*x0 + b0) + b1 + x0)" \\
        --at x0=1,w0=0.3,w1=-0.2,b0=0.1,b1=-0.3 --name z
    Functions: + - * / **, relu, sigmoid, tanh, exp, log, sqrt, abs, max, min.
    Answers: the output's value and its gradient with respect to every variable.
    """
    emit("graph", {"expression": expression, "at": at, "name": name}, **out)


@cli.command()
@click.argument("function")
@click.option("--x0", required=True, help="Start, the variables in name order: 3,3")
@click.option("--lr", multiple=True, help="Step size; repeat to compare: --lr 0.1 --lr 0.2")
@click.option("--tol", help="Epsilon of the stopping rule (default 1e-6).")
@click.option("--max-steps", help="Most iterations per step size (default 1000).")
@click.option("--plot", help="Write contour lines with every path to FILE.png or FILE.pdf.")
@kind_options
def gd(function: str, x0: str, lr: tuple[str, ...], tol: str | None, max_steps: str | None,
       plot: str | None, **out: Any) -> None:
    """Gradient descent with fixed step sizes: iterates, stopping rule, why it converges.

    \b
    Example (seed 001):
      derive gd "x1**2 + x1*x2 + 4*x2**2" --x0 3,3 --lr 0.1 --lr 0.2 --plot paths.png
    Answers: the gradient; per rate the verdict, steps, final x and f; for a quadratic the
    Hessian's eigenvalues, the bound 2/lambda_max and each rate's contraction factor.
    """
    emit("gd", {"function": function, "x0": x0, "lr": list(lr) or None, "tol": tol,
                "max_steps": max_steps, "plot": plot}, **out)


@cli.command()
@click.option("--fn", type=click.Choice(["softmax", "sigmoid", "tanh", "relu"]),
              help="A function's Jacobian at a point (with --at).")
@click.option("--at", help="The point: 5,-2,-1,3")
@click.option("--layers", help="A network's widths: 2,2,2")
@click.option("--of", "of", help="The node differentiated: yhat (default), z2, a1.")
@click.option("--wrt", help="With respect to: W1 (default), b1, z1, a1.")
@click.option("--entry", help="One entry i,j of the weight (from 1): d(of)/dW_ij.")
@click.option("--layout", type=click.Choice(["numerator", "denominator"]),
              help="numerator (default): (of) x (wrt); denominator: the transpose.")
@network_options
@kind_options
def jacobian(fn: str | None, at: str | None, layers: str | None, of: str | None,
             wrt: str | None, entry: str | None, layout: str | None, **options: Any) -> None:
    """Jacobians with their shapes: of a function at a point, or of a network's nodes.

    \b
    Examples:
      derive jacobian --fn softmax --at 5,-2,-1,3
      derive jacobian --layers 2,2,2 --hidden relu --output softmax --of yhat --wrt W1 \\
        --convention WTx --entry 1,2                                   # seed 003
      derive jacobian --layers 3072,100,10 --hidden relu --convention XW --wrt W1 --layout \\
        denominator
    Answers: J (a function), or d(of)/d(wrt) with its shape and check residual.
    """
    fields = network_fields(options)
    emit("jacobian", {"fn": fn, "at": at, "layers": layers, "of": of, "wrt": wrt,
                      "entry": entry, "layout": layout, **fields}, **options)


@cli.command("softmax-ce")
@click.option("--logits", default="h", show_default=True, help="Name of the logits.")
@click.option("--target", default="y", show_default=True, help="Name of the target.")
@click.option("--classes", default="3", show_default=True,
              help="Classes in the exact SymPy checks (2 to 8).")
@kind_options
def softmax_ce(logits: str, target: str, classes: str, **out: Any) -> None:
    """Proof that dL/dh_i = P(y = i) - y_i for softmax with cross-entropy, checked by SymPy.

    \b
    Examples:
      derive softmax-ce
      derive softmax-ce --logits z --classes 5 -o proof.tex
    Answers: dL/dh_i.
    """
    emit("softmax-ce", {"logits": logits, "target": target, "classes": classes}, **out)


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
@output_options
def sheet(file: Path | None, solutions: bool, variants: int | None, seed: int,
          fmt: str | None, output: Path | None, fragment: bool, digits: int) -> None:
    """Render every problem of a problem-set file (TOML) into one document.

    \b
    Examples:
      derive sheet                          # the built-in example set
      derive sheet problems.toml -o key.pdf
      derive sheet problems.toml --no-solutions -o questions.tex
      derive sheet problems.toml --variants 30 --seed 7 -o out/
    """
    from derive import solve_set
    from derive.output import choose_format, rendered_as
    from derive.problemset import builtin, load
    from derive.render import render_set

    problem_set = load(file) if file else builtin()
    if variants:
        _variants(problem_set, variants, seed, fmt, output, file)
        return
    chosen = choose_format(fmt, output)
    text = render_set(problem_set.title, solve_set(problem_set), rendered_as(chosen),
                      fragment=fragment, digits=digits, solutions_shown=solutions)
    finish(text, output, chosen)


def _variants(problem_set: Any, count: int, seed: int, fmt: str | None, folder: Path | None,
              file: Path | None) -> None:
    from derive.variants import varied, write_variants

    if folder is None or folder.suffix:
        raise DeriveError("output: variants go into a folder; add -o out/")
    if not folder.parent.is_dir():
        raise DeriveError(f"output: the folder {str(folder.parent)!r} does not exist")
    if not varied(problem_set):
        click.echo("derive: note: no problem declares a vary table; the variants are the same",
                   err=True)
    paths = write_variants(problem_set, count, seed, folder, fmt or "latex",
                           file.stem if file else "builtin")
    click.echo(f"wrote {len(paths)} files to {folder}", err=True)


def _register_train() -> None:
    from derive.training import train

    cli.add_command(train)


_register_train()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning known errors into one line and an exit status."""
    try:
        status = cli.main(args=argv, prog_name="derive", standalone_mode=False)
    except click.UsageError as error:
        hint = f"; see '{error.ctx.command_path} --help'" if error.ctx else ""
        click.echo(f"derive: error: {error.format_message()}{hint}", err=True)
        sys.exit(2)
    except click.ClickException as error:
        click.echo(f"derive: error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except DeriveError as error:
        click.echo(f"derive: error: {error}", err=True)
        sys.exit(error.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("derive: interrupted", err=True)
        sys.exit(130)
    except OSError as error:
        click.echo(f"derive: error: {error.strerror or error}: {error.filename or ''}", err=True)
        sys.exit(2)
    sys.exit(status if isinstance(status, int) else 0)
