"""`jacobian --layers N,N1,K`: shapes in the letters, equal to torch's Jacobian shapes at the
letters' numbers (`--sizes`, else their stand-ins), and the numeric path's formulas."""

from __future__ import annotations

import numpy as np
import pytest
import sympy

import derive
from derive.errors import InputError
from derive.solution import Formula
from derive.symbolic.sizes import letter, stand_ins, substitution

SEED_003 = dict(layers="N,N1,K", sizes="N=3,N1=4,K=2", hidden="relu", convention="WTx",
                of="yhat", wrt="W1", entry="1,2", layout="denominator",
                names="W=W^,b=W_0^,z=Z^,a=H,x=X,yhat=Yhat")


def solve(**fields):
    return derive.solve(derive.problem("jacobian", **fields))


def _formula(solution) -> Formula:
    (answer,) = [v for k, v in solution.answers.items()
                 if k.aspect != "shape" and k.wrt and isinstance(v, Formula)]
    assert answer.shape is not None
    return answer


def _shape(answer: Formula) -> tuple:
    assert answer.shape is not None
    return tuple(answer.shape)


def test_seed_003_shapes_are_in_the_documents_letters() -> None:
    solution = solve(**SEED_003)
    N, N1, K = (letter(name) for name in ("N", "N1", "K"))
    assert _shape(_formula(solution)) == (N, N1, K)  # (wrt) x (of), the denominator layout
    captions = [step.why for step in solution.steps]
    assert "chain rule in the denominator layout; shapes: ((N x N1) x N1)(N1 x N1)(N1 x K)" \
        "(K x K) = (N x N1) x K" in captions
    assert "one entry: a vector of K entries, J_{:,2} (column 2 of J) times X_1, shown for " \
        "N = 3, N1 = 4, K = 2" in captions
    assert "J[m, j]*X[i]" in str(_formula(solution).expr)  # the output's index is not the size K
    assert [step.shape for step in solution.steps][:2] == [(N1, 1), (N1, 1)]


def test_seed_003_entry_is_checked_at_the_given_numbers() -> None:
    with pytest.raises(InputError, match="entry.*3 x 4"):
        solve(**{**SEED_003, "entry": "4,1"})


@pytest.mark.parametrize("convention", ["Wx", "WTx", "XWT", "XW"])
@pytest.mark.parametrize("wrt", ["W1", "b1", "z1", "a1", "W2"])
def test_letter_shapes_equal_torchs_at_the_stand_ins(convention: str, wrt: str) -> None:
    torch = pytest.importorskip("torch")
    layers = ("D", "H", "C")
    numbers = substitution(layers)
    lettered = _formula(solve(layers="D,H,C", hidden="tanh", convention=convention, wrt=wrt))
    d, h, c = stand_ins(layers)
    numeric = _formula(solve(layers=f"{d},{h},{c}", hidden="tanh", convention=convention,
                             wrt=wrt))
    at = tuple(int(sympy.sympify(n).xreplace(numbers)) for n in _shape(lettered))
    assert at == _shape(numeric)
    assert str(lettered.expr) == str(numeric.expr)  # the same derivation, sizes aside
    rng = np.random.default_rng(1)
    W1, b1 = torch.tensor(rng.normal(size=(h, d))), torch.tensor(rng.normal(size=h))
    W2, b2 = torch.tensor(rng.normal(size=(c, h))), torch.tensor(rng.normal(size=c))
    x = torch.tensor(rng.normal(size=d))
    z1 = W1 @ x + b1
    of = {"W1": lambda v: torch.softmax(W2 @ torch.tanh(v @ x + b1) + b2, 0),
          "b1": lambda v: torch.softmax(W2 @ torch.tanh(W1 @ x + v) + b2, 0),
          "z1": lambda v: torch.softmax(W2 @ torch.tanh(v) + b2, 0),
          "a1": lambda v: torch.softmax(W2 @ v + b2, 0),
          "W2": lambda v: torch.softmax(v @ torch.tanh(z1) + b2, 0)}[wrt]
    point = {"W1": W1, "b1": b1, "z1": z1, "a1": torch.tanh(z1), "W2": W2}[wrt]
    expected = tuple(torch.autograd.functional.jacobian(of, point).shape)
    if wrt in ("W1", "W2") and convention in ("WTx", "XW"):
        expected = (expected[0], expected[2], expected[1])  # W held as in x out
    assert at == expected


def test_stand_ins_take_the_given_numbers_and_draw_the_rest_apart() -> None:
    widths = stand_ins(("N", "N1", "K"), given={"N": 3})
    assert widths[0] == 3 and len(set(widths)) == 3


@pytest.mark.parametrize("args", [
    ["--layers", "N,N1,K", "--sizes", "N=3,M=2"],
    ["--layers", "N,N1,K", "--sizes", "n=3"],
    ["--layers", "N,N1,K", "--sizes", "N=0"],
    ["--layers", "N,N1,K", "--sizes", "N3"],
    ["--layers", "3,4,2", "--sizes", "N=3"],
])
def test_bad_sizes_are_one_line_under_sizes(run_cli, args) -> None:
    status, out, err = run_cli("jacobian", *args)
    assert status == 2 and out == "" and "sizes" in err and len(err.strip().splitlines()) == 1
