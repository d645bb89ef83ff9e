"""Commands of the layer kinds: `model-backprop` (a whole model, one SGD step, with numbers)
and `layer-grad` (one layer's derivation, with numbers given dL/dY)."""

from __future__ import annotations

from typing import Any

import click

from derive.commands.options import claim_options
from derive.commands.results import emit
from derive.errors import DeriveError


def _model_text(layers: tuple[str, ...], model_file: str | None) -> dict[str, Any]:
    from derive.models.limits import MAX_TEXT

    if bool(layers) == bool(model_file):
        raise DeriveError("model: give --model FILE or --layer (repeatable), not both")
    if not model_file:
        return {"layers": list(layers)}
    with open(model_file, encoding="utf-8", errors="replace") as handle:
        return {"model": handle.read(MAX_TEXT + 1)}


@click.command("model-backprop")
@click.option("--layer", "layers", multiple=True,
              help="A layer as PyTorch writes it, repeatable: --layer 'Linear(2, 2)'.")
@click.option("--model", "model_file", type=click.Path(exists=True, dir_okay=False),
              help="A file holding the model: nn.Sequential(...), or one layer per line.")
@click.option("--input", "input_shape", help="Input shape per example (drawn from --seed): "
                                             "1x32x32; tokens:N for N token ids (a model "
                                             "that starts with an Embedding).")
@click.option("--x", "x", help="The input tensor, batch axis first: '0.05,0.10' or "
                               "'1x1x4x4:...' or '[[...]]'; token ids '1,1;3,0' for an "
                               "Embedding.")
@click.option("--target", help="Target tensor: 0.01,0.99 (one-hot, soft or regression).")
@click.option("--label", help="Class index per example, instead of --target: 2 or 0,2")
@click.option("--loss", help="torch's loss: \"CrossEntropyLoss(label_smoothing=0.1)\", "
                             "\"MSELoss(reduction='sum')\", BCELoss, BCEWithLogitsLoss, NLLLoss.")
@click.option("--half-mse", "half", is_flag=True, help="MSE with the factor 1/2.")
@click.option("--param", "params", multiple=True,
              help="A parameter by state_dict name, repeatable: --param '0.weight=1,2;3,4'.")
@click.option("--mask", "masks", multiple=True,
              help="A Dropout layer's mask by layer name, repeatable: --mask 2=1,0,1 "
                   "(scaled by 1/(1-p)).")
@click.option("--seed", help="Seed of the values not given (default 0).")
@click.option("--lr", help="Learning rate of the SGD step (default 0.1).")
@click.option("--freeze", help="Parameters held fixed: 0.bias,2.bias")
@click.option("--weight-decay", help="L2 penalty lambda sum w^2 (default 0).")
@click.option("--decay-half", is_flag=True, help="Penalty (lambda/2) sum w^2.")
@click.option("--decay-biases", is_flag=True, help="Decay biases too.")
@claim_options("loss=0.2984", "'2.weight new=0.3589,0.4087;0.5113,0.5614'")
def model_backprop(layers: tuple[str, ...], model_file: str | None, input_shape: str | None,
                   x: str | None, target: str | None, label: str | None, loss: str | None,
                   half: bool, params: tuple[str, ...], masks: tuple[str, ...],
                   seed: str | None, lr: str | None,
                   freeze: str | None, weight_decay: str | None, decay_half: bool,
                   decay_biases: bool, **out: Any) -> None:
    """Backprop through a model with numbers: every layer forward and backward, the loss,
    every gradient by state_dict name, one SGD step, the loss after; checked by differences.

    \b
    Example (Matt Mazur's 2-2-2 network):
      derive model-backprop --layer "Linear(2, 2)" --layer "Sigmoid()" \\
        --layer "Linear(2, 2)" --layer "Sigmoid()" --x 0.05,0.10 --target 0.01,0.99 \\
        --loss "MSELoss(reduction='sum')" --half-mse --lr 0.5 --freeze 0.bias,2.bias \\
        --param "0.weight=.15,.20;.25,.30" --param "0.bias=.35,.35" \\
        --param "2.weight=.40,.45;.50,.55" --param "2.bias=.60,.60"
    Answers: loss, dL/dNAME and NAME new for every parameter (state_dict names), loss new,
    each layer's output Y_NAME.
    """
    fields = {**_model_text(layers, model_file), "input": input_shape, "x": x,
              "target": target, "label": label, "loss": loss, "half": half or None,
              "params": list(params) or None, "masks": list(masks) or None, "seed": seed,
              "lr": lr, "freeze": freeze,
              "weight_decay": weight_decay, "decay_half": decay_half or None,
              "decay_biases": decay_biases or None}
    emit("model-backprop", fields, **out)


@click.command("layer-grad")
@click.option("--layer", required=True, help="One layer as PyTorch writes it: 'Conv2d(1, 1, 3)'.")
@click.option("--input", "input_shape", help="Input shape per example (drawn from --seed): "
                                             "1x5x5.")
@click.option("--batch", help="Examples in a drawn input (default 1; 2 for batch norm).")
@click.option("--x", "x", help="The input tensor, batch axis first: '1x1x3x3:1,2,...' or "
                               "'[[...]]'.")
@click.option("--weight", help="The layer's weight: '1x1x3x3:1,0,-1,...' or '1,2;3,4'.")
@click.option("--bias", help="The layer's bias: '0.5' or '1,2'.")
@click.option("--param", "params", multiple=True,
              help="A tensor by state_dict name, repeatable: --param 'in_proj_bias=...'.")
@click.option("--grad-output", help="dL/dY, the upstream gradient (the output's shape).")
@click.option("--seed", help="Seed of the values not given (default 0).")
@click.option("--causal", is_flag=True, help="MultiheadAttention: the causal mask (position i "
                                             "attends to positions j <= i).")
@claim_options("Y=-1.5", "'dL/dweight=2,4'")
def layer_grad(layer: str, input_shape: str | None, batch: str | None, x: str | None,
               weight: str | None, bias: str | None, params: tuple[str, ...],
               grad_output: str | None, seed: str | None, causal: bool,
               **out: Any) -> None:
    """One layer's forward and backward in index notation, with the shape of every factor;
    given numbers (--x or --input, parameters, --grad-output), dL/dX and every parameter
    gradient worked out; each relation checked against the kernels and differences.

    \b
    Examples:
      derive layer-grad --layer "Conv2d(1, 1, 3)"
      derive layer-grad --layer "Conv2d(1, 1, 2, stride=2)" --input 1x4x4 --seed 1
      derive layer-grad --layer "Linear(2, 1)" --x 1,2 --weight 0.5,-1 --bias 0 \\
        --grad-output 2
      derive layer-grad --layer "MultiheadAttention(4, 2)" --input 3x4 --causal
    Answers (with numbers): Y, dL/dX, dL/dNAME for every parameter (dL/dweight, dL/dbias).
    Maxima: 4,096 numbers per tensor, batch 64.
    """
    named = [*params, *(f"{k}={v}" for k, v in (("weight", weight), ("bias", bias)) if v)]
    fields = {"layer": layer, "input": input_shape, "batch": batch, "x": x,
              "params": named or None, "grad_output": grad_output, "seed": seed,
              "causal": causal or None}
    emit("layer-grad", fields, **out)


KINDS = (model_backprop, layer_grad)
