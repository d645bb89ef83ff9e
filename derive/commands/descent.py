"""Commands of the optimization kinds: `gd`, `optimize` and `init`."""

from __future__ import annotations

from typing import Any

import click

from derive.commands.options import kind_options
from derive.commands.results import emit


@click.command()
@click.argument("function")
@click.option("--x0", required=True, help="Start, the variables in name order: 3,3")
@click.option("--lr", multiple=True, help="Step size; repeat to compare: --lr 0.1 --lr 0.2")
@click.option("--tol", help="Epsilon of the stopping rule (default 1e-6).")
@click.option("--max-steps", help="Most iterations per step size (default 1000; step sizes "
                                  "x steps at most 100,000).")
@click.option("--steps", help="Run exactly N updates, with no stopping rule.")
@click.option("--plot", help="Write contour lines with every path to FILE.png or FILE.pdf.")
@kind_options
def gd(function: str, x0: str, lr: tuple[str, ...], tol: str | None, max_steps: str | None,
       steps: str | None, plot: str | None, **out: Any) -> None:
    """Gradient descent with fixed step sizes: iterates, stopping rule, why it converges.

    \b
    Example (seed 001):
      derive gd "x1**2 + x1*x2 + 4*x2**2" --x0 3,3 --lr 0.1 --lr 0.2 --plot paths.png
    Answers: the gradient; per rate the verdict (converged, oscillating, stopped or
    diverged: f standing still is convergence only where the gradient has fallen below 1% of
    the start's), steps, final x, f and gradient norm, every iterate x_k, f_k and
    gradient_k (lr 0.1 x_3) and the whole table; for a quadratic the Hessian, its
    eigenvalues, the minimizer x* and f(x*), the bound 2/lambda_max and each rate's
    contraction factor.
    """
    emit("gd", {"function": function, "x0": x0, "lr": list(lr) or None, "tol": tol,
                "max_steps": max_steps, "steps": steps, "plot": plot}, **out)


@click.command()
@click.argument("function")
@click.option("--x0", required=True, help="Start, the variables in name order: 3,3")
@click.option("--optimizer", "optimizers", multiple=True, required=True,
              help="A torch.optim call, repeatable: \"Adam(lr=0.1, betas=(0.9, 0.999))\", "
                   "SGD, Adagrad, RMSprop, Adam, AdamW (1 to 8).")
@click.option("--steps", help="Updates per optimizer (default 10, at most 200).")
@click.option("--schedule", help="An lr scheduler call: \"StepLR(step_size=3, gamma=0.5)\", "
                                 "MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR.")
@click.option("--momentum-form", type=click.Choice(["torch", "cs231n"]),
              help="SGD momentum as torch writes it (default) or as CS231n does.")
@click.option("--plot", help="Write contour lines with every path to FILE.png or FILE.pdf.")
@kind_options
def optimize(function: str, x0: str, optimizers: tuple[str, ...], steps: str | None,
             schedule: str | None, momentum_form: str | None, plot: str | None,
             **out: Any) -> None:
    """torch.optim's optimizers step by step: update equations, first steps, every state.

    \b
    Examples:
      derive optimize "x1**2 + 10*x2**2" --x0 1,1 --optimizer "Adam(lr=0.1)" \\
        --optimizer "SGD(lr=0.05, momentum=0.9, nesterov=True)" --steps 5
      derive optimize "x**2" --x0 1 --optimizer "SGD(lr=0.1)" --schedule "StepLR(step_size=2)"
    Answers: x_t, f_t, lr_t, g_t and every state (b_t, G_t, v_t, gbar_t, m_t, mhat_t,
    vhat_t, vmax_t) for t = 0..steps; with several optimizers 'optimizer 2 x_3'.
    """
    emit("optimize", {"function": function, "x0": x0, "optimizer": list(optimizers),
                      "steps": steps, "schedule": schedule, "momentum_form": momentum_form,
                      "plot": plot}, **out)


@click.command()
@click.option("--layer", required=True, help="torch's constructor call: \"Conv2d(3, 16, 3)\", "
                                             "Linear, Conv1d/2d/3d, ConvTranspose1d/2d/3d.")
@click.option("--init", "schemes", multiple=True,
              help="An init call, repeatable: \"kaiming_uniform_(a=0, mode='fan_in', "
                   "nonlinearity='relu')\", xavier_uniform_, xavier_normal_, kaiming_normal_, "
                   "default (reset_parameters; the default).")
@kind_options
def init(layer: str, schemes: tuple[str, ...], **out: Any) -> None:
    """torch.nn.init's bounds and stds for a layer's weight, with the variance argument.

    \b
    Example:
      derive init --layer "Conv2d(3, 16, 3)" \\
        --init "kaiming_uniform_(a=0, mode='fan_in', nonlinearity='relu')" --init default
    Answers: shape of W, fan_in, fan_out; per scheme gain and bound (uniform) or std
    (normal); default also the bias bound; with several schemes 'init 2 bound'.
    """
    emit("init", {"layer": layer, "init": list(schemes) or None}, **out)


KINDS: tuple[click.Command, ...] = (gd, optimize, init)
