"""Every kind's command, in the order cli.py registers them. The commands live by area:
networks (params, conv-size, attention-params, summary), gradients, descent, sequences and
the layer kinds; `KINDS` is the one list."""

from __future__ import annotations

import click

from derive.commands import layer_kinds
from derive.commands.descent import gd, init, optimize
from derive.commands.gradients import backprop, graph, jacobian, loss, mlp_grad, softmax_ce
from derive.commands.networks import attention_params, conv_size, params, summary
from derive.commands.sequences import bptt

KINDS: tuple[click.Command, ...] = (
    params, conv_size, attention_params, loss, mlp_grad, backprop, graph, gd, jacobian,
    softmax_ce, optimize, init, summary, bptt, *layer_kinds.KINDS)
