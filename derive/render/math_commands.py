"""The TeX a user may write inside `$...$`: an allowlist, never a blocklist.

Every name here typesets math with the packages the document loads (amsmath, amssymb) and
none can read or write a file, redefine a token or change catcodes. Anything else in a
statement is refused, so a primitive nobody thought of (`\\pdffiledump`, `\\everymath`) cannot
slip through.

>>> "frac" in COMMANDS and "input" not in COMMANDS
True
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GREEK = _words("""
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa
    lambda mu nu xi omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi
    omega digamma
    Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega
    varGamma varDelta varTheta varLambda varXi varPi varSigma varUpsilon varPhi varPsi varOmega
""")
OPERATORS = _words("""
    pm mp times div cdot ast star circ bullet oplus ominus otimes oslash odot cap cup sqcap
    sqcup vee wedge land lor setminus smallsetminus wr diamond uplus amalg dagger ddagger
    ltimes rtimes boxplus boxminus boxtimes boxdot centerdot dotplus intercal
    triangleleft triangleright bigtriangleup bigtriangledown
""")
RELATIONS = _words("""
    leq le geq ge neq ne equiv approx approxeq cong sim simeq propto prec succ preceq succeq
    ll gg subset supset subseteq supseteq subsetneq supsetneq sqsubseteq sqsupseteq in ni
    notin perp parallel mid nmid models asymp doteq leqslant geqslant lesssim gtrsim
    triangleq vdash dashv nleq ngeq nsim ncong not
""")
ARROWS = _words("""
    to gets leftarrow rightarrow leftrightarrow Leftarrow Rightarrow Leftrightarrow
    longleftarrow longrightarrow longleftrightarrow Longleftarrow Longrightarrow
    Longleftrightarrow mapsto longmapsto uparrow downarrow updownarrow Uparrow Downarrow
    Updownarrow nearrow searrow swarrow nwarrow implies impliedby iff hookleftarrow
    hookrightarrow rightharpoonup leftharpoonup rightleftharpoons xrightarrow xleftarrow
""")
BIG_OPERATORS = _words("""
    sum prod coprod int iint iiint oint bigcup bigcap bigoplus bigotimes bigodot bigvee
    bigwedge bigsqcup biguplus limits nolimits
""")
FUNCTIONS = _words("""
    log ln lg exp max min sup inf arg lim liminf limsup det dim ker deg gcd hom Pr
    sin cos tan cot sec csc sinh cosh tanh coth arcsin arccos arctan mod bmod pmod pod
    operatorname
""")
ACCENTS = _words("""
    hat widehat bar overline underline tilde widetilde vec dot ddot dddot acute grave check
    breve mathring overrightarrow overleftarrow underbrace overbrace
""")
FONTS = _words("""
    mathbf mathrm mathit mathcal mathbb mathsf mathtt mathfrak boldsymbol mathnormal
    text textrm textbf textit textsf texttt emph
    displaystyle textstyle scriptstyle scriptscriptstyle
""")
STRUCTURE = _words("""
    frac dfrac tfrac cfrac binom dbinom tbinom sqrt stackrel overset underset substack boxed
    phantom mathop mathbin mathrel begin end hline
""")
DELIMITERS = _words("""
    left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm
    langle rangle lvert rvert lVert rVert vert Vert lfloor rfloor lceil rceil lbrace rbrace
    lbrack rbrack backslash
""")
SPACING = _words("quad qquad enspace thinspace medspace thickspace negthinspace")
DOTS = _words("ldots cdots vdots ddots dots dotsc dotsb dotsm dotsi")
SYMBOLS = _words("""
    top bot partial nabla infty emptyset varnothing forall exists nexists neg lnot aleph hbar
    ell wp Re Im prime angle triangle square surd therefore because colon checkmark
""")

COMMANDS: frozenset[str] = (GREEK | OPERATORS | RELATIONS | ARROWS | BIG_OPERATORS | FUNCTIONS
                            | ACCENTS | FONTS | STRUCTURE | DELIMITERS | SPACING | DOTS | SYMBOLS)

# Control symbols: a backslash and one character that is not a letter.
SYMBOL_COMMANDS = frozenset(",;:!> {}|\\&%#_$")

ENVIRONMENTS = frozenset({"matrix", "bmatrix", "pmatrix", "vmatrix", "Vmatrix", "Bmatrix",
                          "cases", "aligned", "array", "gathered", "smallmatrix"})
