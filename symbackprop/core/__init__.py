"""The core: graphs of named SymPy intermediates, the functions and registries they use, the
network builder, the text format and staging of plain SymPy expressions. Nothing here imports
the derivations, renderers or numerics."""

from __future__ import annotations

from .errors import (
    CycleError,
    DivergenceError,
    DuplicateNameError,
    ExpressionTooLargeError,
    ExternalToolError,
    InputTypeError,
    InvalidValueError,
    LayerSpecError,
    LimitError,
    MissingDependencyError,
    NoNumericFormError,
    OutputFileError,
    ParseError,
    ShapeError,
    StaleError,
    SymbackpropError,
    UnknownNameError,
    UnknownVariableError,
    VerificationError,
)
from .functions import (
    gelu,
    generic_activation,
    leaky_relu,
    logsumexp,
    relu,
    sigmoid,
    softplus,
    swish,
)
from .graph import Graph, Node, ProgramSymbol
from .network import NAMINGS, Network, mlp
from .parse import parse_graph, read_graph
from .registry import ACTIVATIONS, LOSSES, Activation, Loss, register_activation, register_loss

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "NAMINGS",
    "Activation",
    "CycleError",
    "DivergenceError",
    "DuplicateNameError",
    "ExpressionTooLargeError",
    "ExternalToolError",
    "Graph",
    "InputTypeError",
    "InvalidValueError",
    "LayerSpecError",
    "LimitError",
    "Loss",
    "MissingDependencyError",
    "Network",
    "NoNumericFormError",
    "Node",
    "OutputFileError",
    "ParseError",
    "ProgramSymbol",
    "ShapeError",
    "StaleError",
    "SymbackpropError",
    "UnknownNameError",
    "UnknownVariableError",
    "VerificationError",
    "gelu",
    "generic_activation",
    "leaky_relu",
    "logsumexp",
    "mlp",
    "parse_graph",
    "read_graph",
    "register_activation",
    "register_loss",
    "relu",
    "sigmoid",
    "softplus",
    "swish",
]
