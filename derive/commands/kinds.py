"""One command per kind: each gathers its options into raw fields and emits the solution."""

from __future__ import annotations

from typing import Any

import click

from derive.commands import layer_kinds
from derive.commands.options import kind_options, network_fields, network_options
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
@click.option("--logits", help="Logits, rows separated by ';': 0.5,0.3,0.8")
@click.option("--probs", help="Probabilities (rows summing to 1), instead of logits.")
@click.option("--target", help="Target rows (one-hot or soft): 0.3,0.6,0.1")
@click.option("--label", help="Class index per row (from 0), instead of --target: 2 or 0,2")
@click.option("--loss", "losses", default="ce", show_default=True,
              help="Losses, comma-separated: ce, mse, bce.")
@click.option("--reduction", type=click.Choice(["mean", "sum"]),
              help="Over the batch (default: mean for ce and bce, sum for mse).")
@click.option("--half-mse", is_flag=True, help="MSE with the factor 1/2.")
@kind_options
def loss(logits: str | None, probs: str | None, target: str | None, label: str | None,
         losses: str, reduction: str | None, half_mse: bool, **out: Any) -> None:
    """Value of cross-entropy, MSE (sum of squares; --half-mse: times 1/2) or BCE, every
    term shown.

    \b
    Examples:
      derive loss --logits 0.5,0.3,0.8 --target 0.3,0.6,0.1 --loss mse,ce
      derive loss --logits "2,1,0;0,1,3" --label 0,2
      derive loss --probs 0.2,0.8 --target 0,1 --loss mse --half-mse
    Answers: ce, mse, bce (whichever are asked for).
    """
    emit("loss", {"logits": logits, "probs": probs, "target": target, "label": label,
                  "losses": losses, "reduction": reduction, "half_mse": half_mse}, **out)


@click.command("mlp-grad")
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


@click.command()
@click.option("--x", "x", required=True, help="Input: one example 1,0 or batch rows 1,0;0,1.")
@click.option("--target", help="Target rows (one-hot or soft): 0,1")
@click.option("--label", help="Class index per row (from 0), instead of --target.")
@click.option("--weights", multiple=True,
              help="W_l in the convention's orientation, rows separated by ';'; repeat per "
                   "layer: --weights '3,6;4,5' --weights '2,3;4,3'.")
@click.option("--model", help="A model as PyTorch code instead of --weights: 'nn.Sequential("
                              "nn.Linear(2, 2), nn.Sigmoid())' (model-backprop; parameters "
                              "drawn from seed 0, CrossEntropyLoss).")
@click.option("--biases", multiple=True, help="b_l, repeat per layer (default zeros): 1,-6")
@click.option("--lr", help="Learning rate of the SGD step (default 0.1).")
@network_options
@kind_options
def backprop(x: str, target: str | None, label: str | None, weights: tuple[str, ...],
             biases: tuple[str, ...], lr: str | None, model: str | None,
             **options: Any) -> None:
    """Worked numeric example: forward pass, loss, backward pass, one SGD step, new loss.

    \b
    Examples (seed 003, problem 2):
      derive backprop --convention WTx --x 1,0 --target 0,1 --weights "3,6;4,5" \\
        --weights "2,3;4,3" --biases 1,-6 --biases=-1,-2 --lr 0.5 --names "W=W^,b=W_0^,a=H"
      derive sheet problems.toml     # larger networks and batches from a problem file
    Answers: z_l, a_l, yhat, loss, every delta, dl/da_l and gradient, the updated
    parameters (W_l new), the loss after the step (loss new).
    """
    if model is not None:  # a model description: the model-backprop kind (see its options)
        if weights or biases:
            raise DeriveError("model: give --model or --weights/--biases, not both")
        network_fields(options)  # the MLP's options do not apply
        emit("backprop", {"model": model, "x": x, "target": target, "label": label, "lr": lr},
             **options)
        return
    fields = network_fields(options)
    emit("backprop", {"x": x, "target": target, "label": label, "weights": list(weights) or None,
                      "biases": list(biases) or None, "lr": lr, **fields}, **options)


@click.command()
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


@click.command("softmax-ce")
@click.option("--logits", help="Logits, for the numbers after the proof: 1.2,0.3,-0.5")
@click.option("--target", help="Target distribution (one-hot or soft), with --logits: 0,1,0")
@click.option("--names", help="Names of the logits and the target: h=z,y=t")
@click.option("--classes", default="3", show_default=True,
              help="Classes in the exact SymPy checks (2 to 8).")
@kind_options
def softmax_ce(logits: str | None, target: str | None, names: str | None, classes: str,
               **out: Any) -> None:
    """Proof that dL/dh_i = P(y = i) - y_i for softmax with cross-entropy, checked by SymPy;
    with --logits and --target, then p, L and dL/dh with numbers.

    \b
    Examples:
      derive softmax-ce
      derive softmax-ce --names h=z --classes 5 -o proof.tex
      derive softmax-ce --logits 1.2,0.3,-0.5 --target 0,1,0 --claim "L=1.363"
    Answers: dL/dh_i (the formula); with numbers also p, L and dL/dh.
    """
    emit("softmax-ce", {"logits": logits, "target": target, "names": names,
                        "classes": classes}, **out)


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


@click.command()
@click.argument("layer")
@click.option("--x", "x", required=True, help="Input sequence, one row per step: 1,0;0,1;1,1")
@click.option("--target", required=True, help="y: one row (last output) or one per step.")
@click.option("--loss-on", type=click.Choice(["last", "every"]), help="Default: last.")
@click.option("--param", "params", multiple=True, metavar="NAME=ROWS",
              help="A tensor by torch's name, repeatable: weight_hh_l0=0.1,0.2;0.3,0.4 "
                   "(all or none; default: drawn from --seed).")
@click.option("--seed", help="Seed of the drawn parameters (default 0).")
@click.option("--h0", help="Initial hidden state (default 0).")
@click.option("--c0", help="LSTM's initial cell state (default 0).")
@click.option("--truncation", help="Window of truncated BPTT, in steps.")
@click.option("--lr", help="Learning rate of one SGD step.")
@kind_options
def bptt(layer: str, x: str, target: str, loss_on: str | None, params: tuple[str, ...],
         seed: str | None, h0: str | None, c0: str | None, truncation: str | None,
         lr: str | None, **out: Any) -> None:
    """Backpropagation through time: an RNN, LSTM or GRU step by step, every gradient.

    \b
    Examples:
      derive bptt "RNN(2, 3)" --x "1,0;0,1;1,1" --target 0.5,-0.5,0 --lr 0.1
      derive bptt "LSTM(2, 2)" --x 1,2 --target 0,1 --h0 0.1,0.2 --c0 0,0.5
      derive bptt "GRU(1, 2)" --x "1;2;3" --target "0,1;1,0;0,0" --loss-on every
    Answers: h_t and every gate (i_t f_t g_t o_t c_t; r_t z_t n_t; a_t), L, dL/dh_t (dL/dc_t)
    for t = T..0, dL/dweight_ih_l0 ...; with --lr weight_ih_l0 new ..., L new; an RNN's
    gamma, sigma_hh, beta_t, norm of dh_T/dh_t, norm of dL/dh_t.
    """
    emit("bptt", {"layer": layer, "x": x, "target": target, "loss_on": loss_on,
                  "params": list(params) or None, "seed": seed, "h0": h0, "c0": c0,
                  "truncation": truncation, "lr": lr}, **out)


KINDS: tuple[click.Command, ...] = (
    params, conv_size, attention_params, loss, mlp_grad, backprop, graph, gd, jacobian,
    softmax_ce, optimize, init, summary, bptt, *layer_kinds.KINDS)
