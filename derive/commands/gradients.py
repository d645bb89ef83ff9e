"""Commands of the gradient kinds: `loss`, `mlp-grad`, `backprop`, `graph`, `jacobian` and
`softmax-ce`."""

from __future__ import annotations

from typing import Any

import click

from derive.commands.options import kind_options, network_fields, network_options
from derive.commands.results import emit
from derive.errors import DeriveError, FieldError


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
@click.option("--layers", help="The widths named, input first: N,N1,K (a letter, or the number "
                               "the weights give); every shape is shown in them.")
@network_options
@kind_options
def backprop(x: str, target: str | None, label: str | None, weights: tuple[str, ...],
             biases: tuple[str, ...], lr: str | None, model: str | None, layers: str | None,
             **options: Any) -> None:
    """Worked numeric example: forward pass, loss, backward pass, one SGD step, new loss.

    \b
    Examples (seed 003, problem 2):
      derive backprop --convention WTx --x 1,0 --target 0,1 --weights "3,6;4,5" \\
        --weights "2,3;4,3" --biases 1,-6 --biases=-1,-2 --lr 0.5 --names "W=W^,b=W_0^,a=H" \\
        --layers N,N1,K              # shapes in the document's letters: [N1 x 1]
      derive sheet problems.toml     # larger networks and batches from a problem file
    Answers: z_l, a_l, yhat, loss, every delta, dl/da_l and gradient, the updated
    parameters (W_l new), the loss after the step (loss new).
    """
    if model is not None:  # a model description: the model-backprop kind (see its options)
        if weights or biases:
            raise DeriveError("model: give --model or --weights/--biases, not both")
        if layers is not None:
            raise FieldError("layers", "names the widths of --weights; a --model's come from "
                             "its layers, so drop --layers")
        network_fields(options)  # the MLP's options do not apply
        emit("backprop", {"model": model, "x": x, "target": target, "label": label, "lr": lr},
             **options)
        return
    fields = network_fields(options)
    emit("backprop", {"x": x, "target": target, "label": label, "weights": list(weights) or None,
                      "biases": list(biases) or None, "lr": lr, "layers": layers, **fields},
         **options)


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
@click.option("--fn", type=click.Choice(["softmax", "sigmoid", "tanh", "relu"]),
              help="A function's Jacobian at a point (with --at).")
@click.option("--at", help="The point: 5,-2,-1,3")
@click.option("--layers", help="A network's widths: 2,2,2, or letters: N,N1,K")
@click.option("--sizes", help="Numbers for the letters, shown in the worked entry: N=3,N1=4,K=2")
@click.option("--of", "of", help="The node differentiated: yhat (default), z2, a1.")
@click.option("--wrt", help="With respect to: W1 (default), b1, z1, a1.")
@click.option("--entry", help="One entry i,j of the weight (from 1): d(of)/dW_ij.")
@click.option("--layout", type=click.Choice(["numerator", "denominator"]),
              help="numerator (default): (of) x (wrt); denominator: the transpose.")
@network_options
@kind_options
def jacobian(fn: str | None, at: str | None, layers: str | None, sizes: str | None,
             of: str | None, wrt: str | None, entry: str | None, layout: str | None,
             **options: Any) -> None:
    """Jacobians with their shapes: of a function at a point, or of a network's nodes.

    \b
    Examples:
      derive jacobian --fn softmax --at 5,-2,-1,3
      derive jacobian --layers N,N1,K --sizes N=3,N1=4,K=2 --hidden relu --of yhat \\
        --wrt W1 --convention WTx --entry 1,2                          # seed 003
      derive jacobian --layers 3072,100,10 --hidden relu --convention XW --wrt W1 --layout \\
        denominator
    Answers: J (a function), or d(of)/d(wrt) with its shape and check residual.
    """
    fields = network_fields(options)
    emit("jacobian", {"fn": fn, "at": at, "layers": layers, "sizes": sizes, "of": of, "wrt": wrt,
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


KINDS: tuple[click.Command, ...] = (loss, mlp_grad, backprop, graph, jacobian, softmax_ce)
