"""symbackprop: backpropagation made visible.

Build a network's loss as a SymPy expression, derive every gradient in three forms that are
proven equal (expanded, chain rule over paths, backprop program), print them, measure them, and
compile them to NumPy.

>>> import symbackprop as sb
>>> g = sb.Graph()
>>> x, y, z = g.inputs("x y z")
>>> f = g.node("f", g.node("q", x + y) * z)
>>> sb.backprop(g).evaluate({x: -2, y: 5, z: -4})[z]
3
"""

from __future__ import annotations

from .check import GradientCheck, check_gradient, numerical_gradient
from .compile import Compiled, compile
from .derive import (
    DEFAULT_BUDGET,
    Chain,
    Factor,
    Path,
    Program,
    Step,
    backprop,
    chain,
    count_paths,
    delta_symbol,
    grad_symbol,
    estimate_chain_size,
    estimate_expanded_size,
    estimate_multiplied_out,
    expanded,
    local_partial,
    verify,
)
from .draw import draw
from .errors import (
    CycleError,
    DivergenceError,
    DuplicateNameError,
    ExpressionTooLargeError,
    LayerSpecError,
    ParseError,
    ShapeError,
    SymbackpropError,
    UnknownNameError,
    UnknownVariableError,
    VerificationError,
)
from .functions import generic_activation, leaky_relu, logsumexp, relu, sigmoid, softplus
from .graph import Graph, Node
from .latex import latex
from .matrix import MatrixForm, matrix_form
from .metrics import Size, size
from .network import ACTIVATIONS, LOSSES, NAMINGS, Network, mlp
from .notes import Notes, compile_pdf, notes, write_notes
from .parse import parse_graph, read_graph
from .sizes import SizeTable, compare_sizes
from .train import Run, train
from . import datasets

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_BUDGET",
    "LOSSES",
    "NAMINGS",
    "Chain",
    "Compiled",
    "GradientCheck",
    "Run",
    "CycleError",
    "DivergenceError",
    "DuplicateNameError",
    "ExpressionTooLargeError",
    "Factor",
    "MatrixForm",
    "Notes",
    "Graph",
    "LayerSpecError",
    "Network",
    "Node",
    "ParseError",
    "Path",
    "Program",
    "ShapeError",
    "Size",
    "SizeTable",
    "Step",
    "SymbackpropError",
    "UnknownNameError",
    "UnknownVariableError",
    "VerificationError",
    "backprop",
    "chain",
    "check_gradient",
    "compile",
    "datasets",
    "draw",
    "numerical_gradient",
    "train",
    "compare_sizes",
    "count_paths",
    "delta_symbol",
    "grad_symbol",
    "estimate_chain_size",
    "estimate_expanded_size",
    "estimate_multiplied_out",
    "expanded",
    "generic_activation",
    "latex",
    "matrix_form",
    "notes",
    "compile_pdf",
    "write_notes",
    "leaky_relu",
    "local_partial",
    "logsumexp",
    "mlp",
    "parse_graph",
    "read_graph",
    "relu",
    "sigmoid",
    "size",
    "softplus",
    "verify",
]
