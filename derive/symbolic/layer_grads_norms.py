"""Index-notation forward and backward of BatchNorm1d/2d, LayerNorm, Dropout, scaled
dot-product attention and the activations (see `layer_forms`).

Batch norm's dL/dX is the three-term form (Ioffe and Szegedy 2015, section 3):
dX = gamma / (M sqrt(var + eps)) (M dY - sum dY - Xhat sum dY Xhat), M the entries per channel.

>>> from derive.symbolic.layer_forms import form_of
>>> [r.target for r in form_of("BatchNorm2d", {}, 4).backward]
['X', 'weight', 'bias']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import sympy

from derive.errors import InputError
from derive.numeric.layers.elementwise import GELU_C
from derive.numeric.layers.registry import option
from derive.symbolic.layer_forms import FORMS, Bound, IndexRelation, LayerForm, indices, total
from derive.symbolic.layer_grads import IB, C, N, X, Y, dX, dY

mu, var, Xh, gamma, beta = IB("mu"), IB("sigma^2"), IB("Xhat"), IB("gamma"), IB("beta")
dgamma, dbeta = IB(r"d\gamma"), IB(r"d\beta")  # dL/dgamma, dL/dbeta: torch's weight.grad, bias.grad
eps, M, D = sympy.Symbol("epsilon", positive=True), sympy.Symbol("M"), sympy.Symbol("D")
n, c, e, n2, e2 = indices("n c e n_2 e_2")
SCALES = {"weight": "gamma", "bias": "beta"}  # torch's names of a norm's scale and shift


def _bn_bind(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, Any]]:
    x = bound.x.reshape(*bound.x.shape[:2], -1)
    arrays = {"X": x, "gamma": bound.state.get("weight"), "beta": bound.state.get("bias"),
              "dY": bound.dy.reshape(x.shape)}
    return arrays, {N: x.shape[0], C: x.shape[1], D: x.shape[2], M: x.shape[0] * x.shape[2],
                    eps: float(option(bound.config, "eps", 1e-5))}


def _normalized(stat: tuple[Any, ...], free: tuple[Any, ...], over: Any,
                count: sympy.Expr, shape: tuple[sympy.Expr, ...]) -> tuple[IndexRelation, ...]:
    """mu, sigma^2 (biased) and Xhat over the `over` limits (summed indices `stat`)."""
    return (IndexRelation(mu[free[1]], total(X[stat], *over) / count, (shape[1],),
                          "the batch mean of each channel"),
            IndexRelation(var[free[1]], total((X[stat] - mu[free[1]]) ** 2, *over) / count,
                          (shape[1],), "the biased batch variance (divided by M)"),
            IndexRelation(Xh[free], (X[free] - mu[free[1]]) / sympy.sqrt(var[free[1]] + eps),
                          shape, "normalized input"))


def batchnorm_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """BatchNorm1d/2d in training mode; positions (H_1 H_2 or L) flattened to one axis d.
    With affine=False there is no gamma or beta: Y = Xhat (gamma = 1 in dL/dX)."""
    if config.get("training") is False:
        raise InputError("BatchNorm: the index form is the training mode's (batch "
                         "statistics)")
    affine = config.get("affine") is not False
    d, d2 = indices("d d_2")
    free, stat, shape = (n, c, d), (n2, c, d2), (N, C, D)
    over = ((n2, N), (d2, D))
    G = dY[n2, c, d2]
    scale = gamma[c] if affine else 1
    forward = (*_normalized(stat, free, over, M, shape),
               IndexRelation(Y[free], gamma[c] * Xh[free] + beta[c] if affine else Xh[free],
                             shape, "scale and shift per channel" if affine else
                             "affine=False: no scale or shift, Y = Xhat", "Y"))
    backward = [
        IndexRelation(dX[free], scale / (M * sympy.sqrt(var[c] + eps)) * (
            M * dY[free] - total(G, *over) - Xh[free] * total(G * Xh[stat], *over)), shape,
            "the three-term form: the mean and variance depend on every entry of the "
            "channel", "X")]
    if affine:
        backward += [
            IndexRelation(dgamma[c], total(G * Xh[stat], *over), (C,),
                          "dL/dgamma = sum of dL/dY Xhat over batch and positions", "weight"),
            IndexRelation(dbeta[c], total(G, *over), (C,),
                          "dL/dbeta = sum of dL/dY over batch and positions", "bias")]
    factors = (("X", shape), *((("gamma", (C,)), ("beta", (C,))) if affine else ()),
               ("mu", (C,)), ("sigma^2", (C,)))
    return LayerForm("BatchNorm", forward, tuple(backward), factors, _bn_bind,
                     ("training mode: batch mean and biased variance (M = N D entries per "
                      "channel; D = positions, H_1 H_2 for 2-d)",
                      "running_mean and running_var become (1 - m) old + m batch, with the "
                      "unbiased variance M/(M - 1) sigma^2, m = 0.1"), SCALES)


def layernorm_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """LayerNorm over the last axis (D features); leading axes are rows n."""
    shape = option(config, "normalized_shape", None)
    trailing = len(shape) if isinstance(shape, list | tuple) else 1

    def bind(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, Any]]:
        x = bound.x.reshape(-1, int(np.prod(bound.x.shape[bound.x.ndim - trailing:])))
        flat = {k: None if bound.state.get(k) is None else np.reshape(bound.state[k], -1)
                for k in ("weight", "bias")}
        return ({"X": x, "gamma": flat["weight"], "beta": flat["bias"],
                 "dY": bound.dy.reshape(x.shape)},
                {N: x.shape[0], D: x.shape[1], eps: float(option(bound.config, "eps", 1e-5))})

    G, row = dY[n, e2] * gamma[e2], (e2, D)
    forward = (IndexRelation(mu[n], total(X[n, e2], row) / D, (N,), "the mean of each row"),
               IndexRelation(var[n], total((X[n, e2] - mu[n]) ** 2, row) / D, (N,),
                             "the biased variance of each row"),
               IndexRelation(Xh[n, e], (X[n, e] - mu[n]) / sympy.sqrt(var[n] + eps), (N, D),
                             "normalized row"),
               IndexRelation(Y[n, e], gamma[e] * Xh[n, e] + beta[e], (N, D),
                             "scale and shift per feature", "Y"))
    backward = (
        IndexRelation(dX[n, e], (D * dY[n, e] * gamma[e] - total(G, row) - Xh[n, e] * total(
            G * Xh[n, e2], row)) / (D * sympy.sqrt(var[n] + eps)), (N, D),
            "the three-term form over the features of a row, with G = gamma dL/dY", "X"),
        IndexRelation(dgamma[e], total(dY[n2, e] * Xh[n2, e], (n2, N)), (D,),
                      "dL/dgamma: summed over the rows", "weight"),
        IndexRelation(dbeta[e], total(dY[n2, e], (n2, N)), (D,),
                      "dL/dbeta: summed over the rows", "bias"))
    notes = ("statistics per row over its D features (biased variance)",
             *((f"normalized_shape {tuple(shape)}: the last {trailing} axes flattened in "
                "row-major order to the D features of a row (D their product); gamma, beta "
                "and their gradients flattened the same way",) if trailing > 1 else ()))
    return LayerForm("LayerNorm", forward, backward, (("X", (N, D)), ("gamma", (D,))), bind,
                     notes, SCALES)


def dropout_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """Dropout with the given mask m and inverted scaling 1/(1 - p)."""
    P, m = sympy.Symbol("p", positive=True), IB("m")

    def bind(bound: Bound) -> tuple[dict[str, Any], dict[sympy.Symbol, Any]]:
        x = bound.x.reshape(-1)
        mask = np.asarray(bound.config["mask"], dtype=float).reshape(-1)
        return ({"X": x, "m": mask, "dY": bound.dy.reshape(-1)},
                {D: x.size, P: float(option(bound.config, "p", 0.5))})

    forward = (IndexRelation(Y[e], m[e] * X[e] / (1 - P), (D,),
                             "kept entries scaled by 1/(1 - p), dropped ones 0", "Y"),)
    backward = (IndexRelation(dX[e], m[e] * dY[e] / (1 - P), (D,),
                              "the same mask and scale on the way back", "X"),)
    return LayerForm("Dropout", forward, backward, (("X", (D,)), ("m", (D,))), bind,
                     ("m is the given 0/1 mask (training mode); entries in row-major order",))


def _pointwise(name: str, f: Callable[[Any], Any], df: Callable[[Any, Any], Any],
               why: str) -> Callable[[Mapping[str, Any], int], LayerForm]:
    """An activation applied entry by entry: dX = dY f'(X), f' written with X and Y."""
    def build(config: Mapping[str, Any], ndim: int) -> LayerForm:
        forward = (IndexRelation(Y[e], f(X[e]), (D,), f"{name} of each entry", "Y"),)
        backward = (IndexRelation(dX[e], dY[e] * df(X[e], Y[e]), (D,), why, "X"),)
        return LayerForm(name, forward, backward, (("X", (D,)), ("Y", (D,))),
                         lambda b: ({"X": b.x.reshape(-1), "dY": b.dy.reshape(-1)},
                                    {D: b.x.size}), ("entries in row-major order",))
    return build


def _sigmoid(z: Any) -> Any:
    return 1 / (1 + sympy.exp(-z))


def _step(z: Any, below: Any = 0) -> Any:
    return sympy.Piecewise((1, z > 0), (below, True))


FORMS.update({
    "BatchNorm1d": batchnorm_form, "BatchNorm2d": batchnorm_form, "LayerNorm": layernorm_form,
    "Dropout": dropout_form,
    "ReLU": _pointwise("ReLU", lambda z: sympy.Max(0, z), lambda z, y: _step(z),
                       "ReLU'(z) = 1 for z > 0, else 0 (ReLU'(0) = 0, as torch)"),
    "Sigmoid": _pointwise("Sigmoid", _sigmoid, lambda z, y: y * (1 - y),
                          "sigma'(z) = sigma(z)(1 - sigma(z)) = Y (1 - Y)"),
    "Tanh": _pointwise("Tanh", sympy.tanh, lambda z, y: 1 - y ** 2,
                       "tanh'(z) = 1 - tanh(z)^2 = 1 - Y^2"),
    "SiLU": _pointwise("SiLU", lambda z: z * _sigmoid(z),
                       lambda z, y: _sigmoid(z) * (1 + z * (1 - _sigmoid(z))),
                       "SiLU'(z) = sigma(z) (1 + z (1 - sigma(z)))"),
    "Identity": _pointwise("Identity", lambda z: z, lambda z, y: 1, "the identity's slope is 1"),
})


def leaky_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """LeakyReLU with its negative_slope."""
    slope = float(option(config, "negative_slope", 0.01))
    build = _pointwise("LeakyReLU", lambda z: sympy.Piecewise((z, z > 0), (slope * z, True)),
                       lambda z, y: _step(z, sympy.Float(slope)),
                       f"LeakyReLU'(z) = 1 for z > 0, else {slope}")
    return build(config, ndim)


def _gelu_tanh(z: Any) -> Any:
    """sqrt(2/pi) (z + 0.044715 z^3), the argument of tanh in GELU(approximate='tanh')."""
    return sympy.sqrt(2 / sympy.pi) * (z + sympy.Float(GELU_C) * z ** 3)


def gelu_form(config: Mapping[str, Any], ndim: int) -> LayerForm:
    """GELU: exact (erf-based) by default; approximate='tanh' is Hendrycks and Gimpel's
    0.5 z (1 + tanh(sqrt(2/pi)(z + 0.044715 z^3))), as torch computes it."""
    if option(config, "approximate", "none") == "tanh":
        def slope(z: Any, y: Any) -> Any:
            t = sympy.tanh(_gelu_tanh(z))
            return (1 + t) / 2 + z * (1 - t ** 2) * sympy.sqrt(2 / sympy.pi) * (
                1 + 3 * sympy.Float(GELU_C) * z ** 2) / 2
        build = _pointwise("GELU", lambda z: z * (1 + sympy.tanh(_gelu_tanh(z))) / 2, slope,
                           "GELU'(z) = (1 + t)/2 + z (1 - t^2) sqrt(2/pi) (1 + 3 (0.044715) "
                           "z^2)/2, t = tanh(sqrt(2/pi)(z + 0.044715 z^3)) (approximate='tanh')")
    else:
        build = _pointwise("GELU", lambda z: z * (1 + sympy.erf(z / sympy.sqrt(2))) / 2,
                           lambda z, y: (1 + sympy.erf(z / sympy.sqrt(2))) / 2 + z * sympy.exp(
                               -z ** 2 / 2) / sympy.sqrt(2 * sympy.pi),
                           "GELU'(z) = Phi(z) + z phi(z) (exact, erf-based)")
    return build(config, ndim)


FORMS.update({"LeakyReLU": leaky_form, "GELU": gelu_form})
