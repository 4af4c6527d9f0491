"""symbackprop: backpropagation made visible.

Build a network's loss as a SymPy expression, derive every gradient in three forms that are
proven equal (expanded, chain rule over paths, backprop program), print them, measure them, and
compile them to NumPy.

The package is layered the way the data flows: :mod:`symbackprop.core` (graphs, functions,
registries, networks, the text format), :mod:`symbackprop.derive` (the three forms, the matrix
form, sizes and budgets), :mod:`symbackprop.render` (LaTeX, text, notes, pictures) and
:mod:`symbackprop.numeric` (compiled code, checks, training). Every public name is here.

>>> import symbackprop as sb
>>> g = sb.Graph()
>>> x, y, z = g.inputs("x y z")
>>> f = g.node("f", g.node("q", x + y) * z)
>>> sb.backprop(g).evaluate({x: -2, y: 5, z: -4})[z]
3
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from .core.convert import as_sympy
from .core.errors import (
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
from .core.functions import (
    ActivationDef,
    gelu,
    generic_activation,
    leaky_relu,
    logsumexp,
    relu,
    sigmoid,
    softplus,
    swish,
)
from .core.graph import Graph, Node, ProgramSymbol
from .core.network import NAMINGS, Network, mlp
from .core.parse import parse_graph, read_graph
from .core.registry import (
    ACTIVATIONS,
    LOSSES,
    Activation,
    Loss,
    register_activation,
    register_loss,
)
from .core.stage import stage
from .derive import (
    DEFAULT_BUDGET,
    Chain,
    Factor,
    MatrixForm,
    Path,
    Program,
    Step,
    backprop,
    chain,
    count_paths,
    delta_symbol,
    estimate_chain_size,
    estimate_expanded_size,
    estimate_multiplied_out,
    expanded,
    grad_symbol,
    local_partial,
    matrix_form,
    verify,
)
from .io import compile_pdf
from .numeric import (
    Compiled,
    GradientCheck,
    Run,
    check_gradient,
    compile,
    datasets,
    numerical_gradient,
    train,
)
from .render import (
    FORMATS,
    LANGUAGES,
    Format,
    Language,
    Notes,
    ProblemSet,
    Size,
    SizeTable,
    compare_sizes,
    draw,
    exercises,
    latex,
    notes,
    register_format,
    register_language,
    size,
    write_notes,
)

try:
    __version__ = _version("symbackprop")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "ACTIVATIONS",
    "DEFAULT_BUDGET",
    "FORMATS",
    "LANGUAGES",
    "LOSSES",
    "NAMINGS",
    "Activation",
    "ActivationDef",
    "Chain",
    "Compiled",
    "CycleError",
    "DivergenceError",
    "DuplicateNameError",
    "ExpressionTooLargeError",
    "ExternalToolError",
    "Factor",
    "Format",
    "GradientCheck",
    "Graph",
    "InputTypeError",
    "InvalidValueError",
    "Language",
    "LayerSpecError",
    "LimitError",
    "Loss",
    "MatrixForm",
    "MissingDependencyError",
    "Network",
    "NoNumericFormError",
    "Node",
    "Notes",
    "OutputFileError",
    "ParseError",
    "Path",
    "ProblemSet",
    "Program",
    "ProgramSymbol",
    "Run",
    "ShapeError",
    "Size",
    "SizeTable",
    "StaleError",
    "Step",
    "SymbackpropError",
    "UnknownNameError",
    "UnknownVariableError",
    "VerificationError",
    "__version__",
    "as_sympy",
    "backprop",
    "chain",
    "check_gradient",
    "compare_sizes",
    "compile",
    "compile_pdf",
    "count_paths",
    "datasets",
    "delta_symbol",
    "draw",
    "estimate_chain_size",
    "estimate_expanded_size",
    "estimate_multiplied_out",
    "exercises",
    "expanded",
    "gelu",
    "generic_activation",
    "grad_symbol",
    "latex",
    "leaky_relu",
    "local_partial",
    "logsumexp",
    "matrix_form",
    "mlp",
    "notes",
    "numerical_gradient",
    "parse_graph",
    "read_graph",
    "register_activation",
    "register_format",
    "register_language",
    "register_loss",
    "relu",
    "sigmoid",
    "size",
    "softplus",
    "stage",
    "swish",
    "train",
    "verify",
    "write_notes",
]

# every activation of the table is exported by its name (adding one to the table is enough)
from .core.functions import CLASSES as _CLASSES

for _name, _cls in _CLASSES.items():
    globals().setdefault(_name, _cls)
    if _name not in __all__:
        __all__.append(_name)
