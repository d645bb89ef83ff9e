"""How a caption's words are read: a letter x as a times sign or a name, ReLU, a capital
letter as a name or an article, word subscripts upright (reviewer findings on the seed
sheets)."""

from __future__ import annotations

import pytest
import sympy

import derive
from derive.render.captions import caption_markdown, caption_tex, caption_unicode
from derive.render.printing import tex


@pytest.mark.parametrize(("caption", "tex"), [
    ("100 x 50", r"$100 \times 50$"),
    ("N x D", r"$N \times D$"),
    ("(3 x 3) x 4", r"$(3 \times 3) \times 4$"),
    ("W_1 is 7 x 5", r"$W_{1}$ is $7 \times 5$"),
])
def test_a_lone_x_between_operands_is_a_times_sign(caption: str, tex: str) -> None:
    assert caption_tex(caption) == tex


@pytest.mark.parametrize(("caption", "tex"), [
    ("column convention: A = W_1 x + c_1, one example",
     "column convention: $A = W_{1} x + c_{1}$, one example"),
    ("Z = W x - b", "$Z = W x - b$"),
    ("f(W x) = y", "$f(W x) = y$"),
    ("the product W x", "the product $W x$"),
])
def test_an_x_before_a_sign_or_at_the_end_is_the_input(caption: str, tex: str) -> None:
    assert caption_tex(caption) == tex
    assert "×" not in caption_unicode(caption)


@pytest.mark.parametrize("caption", ["layer 1: relu, entry by entry", "relu",
                                     "derivative of relu: relu'(z) = 1[z > 0]"])
def test_relu_is_written_relu_in_every_format(caption: str) -> None:
    for shown in (caption_tex(caption), caption_markdown(caption), caption_unicode(caption)):
        assert "relu" not in shown and "ReLU" in shown


def test_the_tex_printer_names_relu_as_the_statements_do() -> None:
    v = sympy.Symbol("v_2")
    assert tex(sympy.Function("relu")(v)) == r"\operatorname{ReLU}{\left(v_{2} \right)}"
    assert tex(sympy.Function("softplus")(v)) == r"\operatorname{softplus}{\left(v_{2} \right)}"


@pytest.mark.parametrize(("caption", "tex"), [
    ("layer A (conv), height and width", "layer $A$ (conv), height and width"),
    ("layer A: C_A filters", "layer $A$: $C_{A}$ filters"),
    ("A: conv", "$A$: conv"),
    ("shape of A", "shape of $A$"),
    ("(A)", "$(A)$"),
    ("sizes of A, B and C.", "sizes of $A$, $B$ and $C$."),
    ("A", "$A$"),
])
def test_a_capital_a_that_names_something_is_math(caption: str, tex: str) -> None:
    assert caption_tex(caption) == tex


@pytest.mark.parametrize(("caption", "tex"), [
    ("A network maps x", "A network maps $x$"),
    ("a weight per input", "a weight per input"),
    ("A 3 x 3 convolution", r"A $3 \times 3$ convolution"),
    ("a 100 x 50 matrix", r"a $100 \times 50$ matrix"),
])
def test_the_article_stays_a_word(caption: str, tex: str) -> None:
    assert caption_tex(caption) == tex


@pytest.mark.parametrize(("caption", "tex"), [
    ("d_model = h d_k", r"$d_{\mathrm{model}} = h d_{k}$"),
    ("P_QKV", r"$P_{\mathrm{QKV}}$"),
    ("d_out x d_in", r"$d_{\mathrm{out}} \times d_{\mathrm{in}}$"),
    ("LSE_1", r"$\mathrm{LSE}_{1}$"),
    ("(W^1)_ik", r"$\left(W^{1}\right)_{ik}$"),
    ("dL/dW_hh", r"$\partial L/\partial W_{hh}$"),
    ("W_mu", r"$W_{\mu}$"),
])
def test_word_subscripts_are_upright_index_pairs_italic(caption: str, tex: str) -> None:
    assert caption_tex(caption) == tex


@pytest.mark.parametrize(("name", "printed"), [
    ("d_model", r"d_{\mathrm{model}}"),
    ("P_QKV", r"P_{\mathrm{QKV}}"),
    ("C_in", r"C_{\mathrm{in}}"),
    ("LSE_1", r"\mathrm{LSE}_{1}"),
    ("loss new", r"\text{loss new}"),
    (r"\eta_{max}", r"\eta_{\mathrm{max}}"),
    ("W_ij", "W_{ij}"),
    ("W_hh", "W_{hh}"),
    ("W_{in}", "W_{in}"),  # GRU's input-to-gate-n weight: a pair the engine writes in braces
    ("dW", "dW"),
    (r"\hat{m}^{[5]}_{t}", r"\hat{m}^{[5]}_{t}"),
])
def test_the_tex_printer_sets_word_names_upright(name: str, printed: str) -> None:
    assert tex(sympy.Symbol(name)) == printed
    assert tex(sympy.MatrixSymbol(name, 2, 2)) == printed


@pytest.mark.parametrize("fmt", ["latex", "markdown"])
def test_a_steps_stated_shape_names_its_result(fmt: str) -> None:
    solution = derive.solve(derive.problem("mlp-grad", layers=[5, 4, 3]))
    shown = derive.render(solution, fmt)
    assert "(result of shape $" in shown and "(shape $" not in shown


def test_a_grouped_derivative_keeps_its_group_in_text() -> None:
    from derive.render.captions import caption_unicode

    assert caption_unicode("d(log p)/dh = (1/p) dp/dh") == "∂(log p)/∂h = (1/p) ∂p/∂h"
