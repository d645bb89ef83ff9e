"""Commands of the network-counting kinds: `params`, `conv-size`, `attention-params` and
`summary` (all views on the layer rules of derive.models)."""

from __future__ import annotations

from typing import Any

import click

from derive.commands.options import kind_options
from derive.commands.results import emit
from derive.errors import DeriveError


@click.command()
@click.option("--layers", required=True,
              help="Widths, input first, e.g. 100,50,25,10 (2 to 5,000 of them).")
@click.option("--bias/--no-bias", default=True, show_default=True, help="Count bias vectors.")
@kind_options
def params(layers: str, bias: bool, **out: Any) -> None:
    """Parameter count of a fully connected network, per layer and in total.

    \b
    Example:
      derive params --layers 100,50,25,10 --format json
    Answers: total, per_layer, weights, biases; per layer P_1, count of W_1, count of b_1.
    """
    emit("params", {"layers": layers, "bias": bias}, **out)


@click.command("conv-size")
@click.option("--input", "input_size", required=True,
              help="Input C x H x W (3x32x32, as summary's) or H x W (32x32 or 32).")
@click.option("--channels", help="Input channels of an H x W input (or write --input CxHxW).")
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
      derive conv-size --input 1x28x28 --layer "conv k=5 p=2 out=6" --layer "maxpool k=2"
    Answers: output, shapes, params (when channels are known); when a layer does not fit,
    the shapes before it and failing_layer.
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


@click.command("attention-params")
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


@click.command()
@click.option("--input", "inputs", multiple=True, required=True,
              help="Input per example, repeatable: 3x32x32, or tokens:128 (token ids).")
@click.option("--layer", "layers", multiple=True,
              help="A layer as PyTorch writes it, repeatable: --layer 'Conv2d(3, 6, 5)'.")
@click.option("--model", "model_file", type=click.Path(exists=True, dir_okay=False),
              help="A file holding the model: nn.Sequential(...), or one layer per line.")
@kind_options
def summary(inputs: tuple[str, ...], layers: tuple[str, ...], model_file: str | None,
            **out: Any) -> None:
    """Layer-by-layer summary of a network: names, shapes, parameters with their formulas,
    buffers, MACs, receptive field, totals.

    \b
    Examples:
      derive summary --input 1x32x32 --layer "Conv2d(1, 6, 5)" --layer "ReLU()" \\
        --layer "MaxPool2d(2)" --layer "Flatten()" --layer "Linear(6*14*14, 10)"
      derive summary --input 3x224x224 --model examples/models/resnet18.py
      derive summary --input tokens:128 --input tokens:128 --input tokens:128 \\
        --model examples/models/bert_base.py
    Answers: total, trainable, non_trainable, buffers, macs, memory, shape of output,
    receptive_field, jump, start; per layer NAME: type/shape/count/buffers/macs of NAME,
    and count of each tensor (count of 0.weight).
    """
    from derive.models.limits import MAX_TEXT

    if bool(layers) == bool(model_file):
        raise DeriveError("model: give --model FILE or --layer (repeatable), not both")
    model = None
    if model_file:
        with open(model_file, encoding="utf-8", errors="replace") as handle:
            model = handle.read(MAX_TEXT + 1)
    emit("summary", {"input": list(inputs) if len(inputs) > 1 else inputs[0], "model": model,
                     "layers": list(layers) or None}, **out)


KINDS: tuple[click.Command, ...] = (params, conv_size, attention_params, summary)
