"""Commands of the sequence kinds: `bptt` (backpropagation through time)."""

from __future__ import annotations

from typing import Any

import click

from derive.commands.options import claim_options
from derive.commands.results import emit


@click.command()
@click.argument("layer")
@click.option("--x", "x", required=True, help="Input sequence, one row per step: 1,0;0,1;1,1")
@click.option("--target", help="y: one row (last output) or one per step (squared error).")
@click.option("--head", help="A Linear head on the outputs: 'Linear(3, 2)' (head.weight, "
                             "head.bias).")
@click.option("--loss", type=click.Choice(["mse", "ce"]),
              help="1/2 squared error (default) or softmax cross-entropy (with --label).")
@click.option("--label", help="Cross-entropy's class index: one (last output) or one per step.")
@click.option("--loss-on", type=click.Choice(["last", "every"]), help="Default: last.")
@click.option("--param", "params", multiple=True, metavar="NAME=ROWS",
              help="A tensor by torch's name, repeatable: weight_hh_l0=0.1,0.2;0.3,0.4 "
                   "(all or none; default: drawn from --seed).")
@click.option("--seed", help="Seed of the drawn parameters (default 0).")
@click.option("--h0", help="Initial hidden state (default 0).")
@click.option("--c0", help="LSTM's initial cell state (default 0).")
@click.option("--truncation", help="Window of truncated BPTT, in steps.")
@click.option("--lr", help="Learning rate of one SGD step.")
@claim_options("L=0.8322", "'L new=0.5076'")
def bptt(layer: str, x: str, target: str | None, head: str | None, loss: str | None,
         label: str | None, loss_on: str | None, params: tuple[str, ...],
         seed: str | None, h0: str | None, c0: str | None, truncation: str | None,
         lr: str | None, **out: Any) -> None:
    """Backpropagation through time: an RNN, LSTM or GRU step by step, every gradient.

    \b
    Examples:
      derive bptt "RNN(2, 3)" --x "1,0;0,1;1,1" --target 0.5,-0.5,0 --lr 0.1
      derive bptt "LSTM(2, 2)" --x 1,2 --target 0,1 --h0 0.1,0.2 --c0 0,0.5
      derive bptt "GRU(1, 2)" --x "1;2;3" --target "0,1;1,0;0,0" --loss-on every
      derive bptt "RNN(2, 3)" --x "1,0;0,1" --head "Linear(3, 2)" --loss ce --label 1
    Answers: h_t and every gate (i_t f_t g_t o_t c_t; r_t z_t n_t; a_t), L, dL/dh_t (dL/dc_t)
    for t = T..0, dL/dweight_ih_l0 ...; with --lr weight_ih_l0 new ..., L new; an RNN's
    gamma, sigma_hh, beta_t, norm of dh_T/dh_t, norm of dL/dh_t.
    """
    emit("bptt", {"layer": layer, "x": x, "target": target, "head": head, "loss": loss,
                  "label": label, "loss_on": loss_on,
                  "params": list(params) or None, "seed": seed, "h0": h0, "c0": c0,
                  "truncation": truncation, "lr": lr}, **out)


KINDS: tuple[click.Command, ...] = (bptt,)
