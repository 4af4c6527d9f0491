"""Command-line interface: ``symbackprop derive|notes|sizes|train ...`` (and ``python -m symbackprop``).

With no arguments it prints the chain-rule derivation of ∂E/∂w1 for the lecture notes' 2-2-1 net with a
generic activation a(·).

A user's mistake or a problem of the environment never shows a traceback: one line on stderr
and exit status 2 (a mistake in the command: a bad name, value or file) or 1 (the run failed:
a file could not be written, pdflatex failed, training diverged). Ctrl-C prints "interrupted"
and exits 130; ``train`` then still reports (and saves) the parameters reached so far.
``--debug`` shows the traceback of an unexpected error.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import traceback
from pathlib import Path

import sympy as sp

from . import __version__
from .core.errors import (
    DivergenceError,
    ExternalToolError,
    InvalidValueError,
    LimitError,
    MissingDependencyError,
    OutputFileError,
    SymbackpropError,
)
from .core.graph import Graph
from .core.network import NAMINGS, mlp
from .core.parse import read_graph
from .core.registry import ACTIVATIONS, LOSSES
from .derive import DEFAULT_BUDGET, backprop, chain, expanded
from .render.formats import FORMATS
from .render.phrases import LANGUAGES
from .render.plain import TextPrinter, format_number, inline
from .render.sizes import STUDY_BUDGET

__all__ = ["main"]

FORMS = ("chain", "expanded", "backprop", "matrix", "all")
DEBUG_HELP = "show the traceback of an unexpected error"
RUNTIME_ERRORS = (OutputFileError, ExternalToolError, DivergenceError, MissingDependencyError)


def parse_point(text: str | None) -> dict[str, str]:
    """``"x1=0.05,x2=0.1"`` -> ``{"x1": "0.05", "x2": "0.1"}`` (values converted later, exactly)."""
    out: dict[str, str] = {}
    if not text:
        return out
    if len(text) > 200_000:
        raise LimitError("--at is longer than 200,000 characters")
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise InvalidValueError(
                f"--at expects name=value pairs separated by commas; got {part[:40]!r}")
        k, v = (s.strip() for s in part.split("=", 1))
        if k in out:
            raise InvalidValueError(f"--at gives {k!r} twice")
        out[k] = v
    return out


def add_network_options(p: argparse.ArgumentParser, activation: str = "a",
                        naming: str = "sequential") -> None:
    src = p.add_argument_group("the network (or --graph)")
    src.add_argument("--net", default="2-2-1", metavar="SIZES",
                     help="layer sizes joined by '-' (default: 2-2-1, the lecture notes' net)")
    src.add_argument("--activation", default=activation, metavar="NAME",
                     help=f"hidden activation: {', '.join(ACTIVATIONS)} (default: {activation})")
    src.add_argument("--output-activation", default=None, metavar="NAME",
                     help="output activation (default: the hidden one, or the loss's own)")
    src.add_argument("--loss", default="half_se", metavar="NAME",
                     help=f"loss: {', '.join(LOSSES)} (default: half_se)")
    src.add_argument("--naming", default=naming, metavar="NAME",
                     help=f"symbol names: {', '.join(NAMINGS)} (default: {naming})")
    src.add_argument("--graph", default=None, metavar="FILE",
                     help="read a staged graph in the text format instead of building a net")


def graph_from_args(args) -> Graph:
    if args.graph:
        return read_graph(args.graph)
    return mlp(args.net, activation=args.activation, output_activation=args.output_activation,
               loss=args.loss, naming=args.naming)


def _wrt(g: Graph, names) -> list[sp.Symbol]:
    if names:
        flat = [n for item in names for n in item.replace(",", " ").split()]
        if flat == ["all"]:
            return list(g.param_symbols or g.leaf_symbols)
        return [g.symbol(n) for n in flat]
    return list(g.param_symbols or g.leaf_symbols)


def _budget(value) -> float:
    from .derive.estimate import budget_value
    return budget_value(value)


def _print_chain(g: Graph, v: sp.Symbol, budget, printer: TextPrinter, out) -> None:
    c = chain(g, v, budget=budget)
    d = printer._settings["partial"]
    if v == g.output:  # no path to walk: d(output)/d(output) = 1
        print(f"{d}{v.name}/{d}{v.name}: {v.name} is the output itself", file=out)
        print(f"  {d}{v.name}/{d}{v.name} = 1", file=out)
        return
    n = len(c.paths)
    print(f"{d}{g.output.name}/{d}{v.name}: chain rule, {n} path{'s' if n != 1 else ''}", file=out)
    if not n:
        print(f"  {d}{g.output.name}/{d}{v.name} = 0  ({v.name} does not reach "
              f"{g.output.name})", file=out)
        return
    print("  " + printer.doprint(c).replace("\n", "\n  "), file=out)
    print("  local derivatives:", file=out)
    width = max(len(f"{d}{f.child.name}/{d}{f.parent.name}") for f in c.factors)
    for f in c.factors:
        label = f"{d}{f.child.name}/{d}{f.parent.name}".ljust(width)
        print(f"    {label} = {printer.doprint(f.local)}", file=out)


def _print_expanded(g: Graph, v: sp.Symbol, budget, multiply_out: bool, uni: bool, out) -> None:
    d = "∂" if uni else "d"
    e = expanded(g, v, multiply_out=multiply_out, budget=budget)
    kind = "multiplied out" if multiply_out else "every node substituted"
    print(f"{d}{g.output.name}/{d}{v.name}: expanded ({kind})", file=out)
    cols = max(shutil.get_terminal_size((100, 24)).columns - 4, 40)
    text = sp.pretty(e, use_unicode=uni, wrap_line=True, num_columns=cols)
    for line in text.splitlines():
        print("    " + line, file=out)


def _print_program(g: Graph, wanted: list[sp.Symbol], printer: TextPrinter, out) -> None:
    prog = backprop(g)
    print(f"backprop program ({len(prog.forward)} forward, {len(prog.deltas)} delta, "
          f"{len(prog.grads)} gradient steps; each delta computed once)", file=out)
    titles = {"forward": "forward", "delta": "backward: deltas", "grad": "gradients"}
    for kind in ("forward", "delta", "grad"):
        steps = [s for s in prog.steps if s.kind == kind and (kind != "grad" or s.of in wanted)]
        if steps:
            print(f"  # {titles[kind]}", file=out)
            for s in steps:
                print(f"    {printer.doprint(s.target)} = {printer.doprint(s.expr)}", file=out)


def _values(g: Graph, at: dict[str, str]):
    """Values and gradients of every symbol at ``--at``, or a clear error before any output."""
    point = g.full_point(at, what="--at")
    return g.evaluate(point), backprop(g).evaluate(point)


def _print_values(g: Graph, at: dict[str, str], values, grads, uni: bool, out) -> None:
    d = "∂" if uni else "d"
    shown = ", ".join(f"{k}={v}" for k, v in at.items())
    print(f"at {shown if len(shown) < 200 else shown[:197] + '...'}:", file=out)
    rows = [(s.name, _num(values[s], uni), _num(grads[s], uni)) for s in g.symbols]
    head = ("symbol", "value", f"{d}{g.output.name}/{d}symbol")
    w = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    for r in [head, *rows]:
        print(f"  {r[0].ljust(w[0])}  {r[1].rjust(w[1])}  {r[2].rjust(w[2])}", file=out)
    generic = any(getattr(type(f), "is_generic_activation", False)
                  for n in g.nodes for f in n.expr.atoms(sp.Function))
    if generic:
        print("  (the generic activation a(·) has no numeric value: choose e.g. "
              "--activation sigmoid for numbers)", file=out)


def _num(v: sp.Expr, uni: bool) -> str:
    if v.is_number:
        return format_number(v, digits=10)
    return inline(v, uni)


def cmd_derive(args, out=None) -> int:
    out = sys.stdout if out is None else out
    budget = _budget(args.budget)
    g = graph_from_args(args)
    if args.form == "matrix":  # on matrices: any width, no scalar graph
        return _print_matrix_form(g, args, out)
    wanted = _wrt(g, args.wrt)
    uni = not args.ascii
    printer = TextPrinter({"unicode": uni})
    at = parse_point(args.at) if args.at is not None else None
    # a bad point (or one where a value is not finite) fails before anything is printed
    values = _values(g, at) if at is not None else None
    src = f"graph {args.graph}" if args.graph else repr(g).strip("<>")
    print(src, file=out)
    print("  " + printer.doprint(g).replace("\n", "\n  "), file=out)
    print(file=out)
    if args.form in ("chain", "all"):
        for v in wanted:
            _print_chain(g, v, budget, printer, out)
            print(file=out)
    if args.form in ("expanded", "all"):
        for v in wanted:
            _print_expanded(g, v, budget, args.multiply_out, uni, out)
            print(file=out)
    if args.form in ("backprop", "all"):
        _print_program(g, wanted, printer, out)
        print(file=out)
    if args.sizes:
        from .render.sizes import compare_sizes
        for v in wanted:
            print(compare_sizes(g, v, budget=budget), file=out)
            print(file=out)
    if values is not None and at is not None:
        _print_values(g, at, values[0], values[1], uni, out)
    return 0


def _print_matrix_form(g: Graph, args, out) -> int:
    from .core.network import Network
    from .derive import matrix_form
    if not isinstance(g, Network):
        raise InvalidValueError("--form matrix needs a network (--net ...), not a staged graph")
    for option, value in (("--wrt", args.wrt), ("--at", args.at), ("--sizes", args.sizes)):
        if value:
            raise InvalidValueError(f"{option} goes with the scalar forms (chain, expanded, "
                                    "backprop), not with --form matrix")
    mf = matrix_form(g)
    text = str(mf)
    if args.ascii:
        text = text.replace("⊙", "(.)").replace("∂", "d").replace("Σ", "sum_")
    print(text, file=out)
    return 0


def cmd_train(args, out=None) -> int:
    from .numeric.datasets import load
    from .numeric.training import check_options, train
    out = sys.stdout if out is None else out
    if args.graph:
        raise InvalidValueError("train needs a network (--net ...); staged graphs have no data")
    if args.plot:
        from .render.plot import check_figure_path
        check_figure_path(args.plot, args.force)
    if args.save:
        from .io import check_writable
        check_writable(args.save, args.force)
    if args.seed < 0:
        raise InvalidValueError(f"--seed must be a non-negative integer, not {args.seed}")
    check_options(args.lr, args.steps, args.seed, args.batch_size, args.optimizer)
    X, T = load(args.data, seed=args.seed) if args.data != "xor" else load("xor")
    net = mlp(args.net, activation=args.activation, output_activation=args.output_activation,
              loss=args.loss, naming=args.naming)
    if net.n_inputs != X.shape[1] or net.n_outputs != T.shape[1]:
        raise InvalidValueError(
            f"the data set {args.data!r} has {X.shape[1]} inputs and {T.shape[1]} targets; "
            f"the net {args.net} has {net.n_inputs} and {net.n_outputs}")
    every = max(args.steps // 10, 1)

    def report(step, theta, loss):
        if step % every == 0 or step == 1:
            print(f"  step {step:>6}  loss {loss:.6g}", file=out)
        return False

    print(f"training {net!r} on {args.data} ({X.shape[0]} examples) with {args.optimizer}, "
          f"lr={args.lr}, {args.backend} backend", file=out)
    run = train(net, X, T, lr=args.lr, steps=args.steps, seed=args.seed,
                batch_size=args.batch_size, optimizer=args.optimizer, callback=report,
                progress=False, backend=args.backend)
    if run.interrupted:
        print(f"interrupted after {run.steps} steps", file=out)
    final = run.loss(X, T)
    print(f"final loss {final:.6g} after {run.steps} steps ({run.compiled.path} path)", file=out)
    if net.loss_entry.name in ("bce", "softmax_ce", "half_se") and args.data != "sine":
        print(f"training accuracy {run.accuracy(X, T):.1%}", file=out)
    if args.plot and run.history["loss"]:
        from .render.plot import save_loss_curve
        save_loss_curve(run.history["loss"], args.plot, force=args.force,
                        title=f"{args.net} {args.activation} on {args.data}, lr={args.lr}")
        print(f"loss curve written to {args.plot}", file=out)
    if args.save:
        from .io import write_text
        data = {"net": args.net, "activation": args.activation, "loss": args.loss,
                "naming": args.naming, "steps": run.steps, "interrupted": run.interrupted,
                "params": run.params}
        write_text(args.save, json.dumps(data, indent=1) + "\n", force=args.force)
        print(f"parameters written to {args.save}", file=out)
    return 130 if run.interrupted else 0


def cmd_exercises(args, out=None) -> int:
    from .io import check_writable, compile_pdf, write_text
    from .render.problems import exercises
    out = sys.stdout if out is None else out
    files = [args.output] + ([args.answers] if args.answers else [])
    for f in files:
        if args.pdf and Path(f).suffix.lower() != ".tex":
            raise InvalidValueError(f"--pdf writes the PDF beside the LaTeX source, so {f!r} "
                                    "must be a .tex file")
        path = check_writable(f, args.force)
        if args.pdf:
            check_writable(path.with_suffix(".pdf"), args.force)
    g = graph_from_args(args)
    ps = exercises(g, n=args.variants, seed=args.seed, lang=args.lang, digits=args.digits)
    for f, answers in zip(files, (False, True), strict=False):
        path = write_text(f, ps.tex(answers=answers), force=args.force)
        print(f"wrote {path}", file=out)
        if args.pdf:
            print(f"wrote {compile_pdf(path, force=args.force)}", file=out)
    return 0


def cmd_notes(args, out=None) -> int:
    from .io import check_writable, compile_pdf, write_text
    from .render.lesson import notes
    out = sys.stdout if out is None else out
    budget = None if args.budget is None else _budget(args.budget)
    if args.pdf and not args.output:
        raise InvalidValueError("--pdf needs -o FILE.tex (the PDF is written next to it)")
    if args.pdf and args.fragment:
        raise InvalidValueError("--pdf needs a standalone document; leave out --fragment")
    if args.slides and args.fragment:
        raise InvalidValueError("--slides makes a whole Beamer deck; leave out --fragment")
    if args.format is not None and args.slides and args.format != "slides":
        raise InvalidValueError(f"--slides asks for --format slides, not {args.format}; give "
                                "one of the two")
    if args.pdf and args.format in ("mathjax", "html"):
        raise InvalidValueError(f"--pdf compiles LaTeX; --format {args.format} is not LaTeX")
    if args.pdf and Path(args.output).suffix.lower() != ".tex":
        stem = Path(args.output).with_suffix("")
        raise InvalidValueError(f"--pdf writes the LaTeX source to -o and the PDF beside it, so "
                                f"-o must name a .tex file, not {args.output!r}; use -o "
                                f"{stem}.tex --pdf")
    if args.title is not None and args.title_tex is not None:
        raise InvalidValueError("give --title (text) or --title-tex (LaTeX), not both")
    if args.output:  # every output is checked before any work is done
        path = check_writable(args.output, args.force)
        if args.pdf:
            check_writable(path.with_suffix(".pdf"), args.force)
    g = graph_from_args(args)
    flat = [n for item in args.wrt or [] for n in item.replace(",", " ").split()]
    wanted = None if not flat else "all" if flat == ["all"] else [g.symbol(n) for n in flat]
    at = parse_point(args.at) if args.at else None
    if at is not None:
        g.full_point(at, what="--at")
    text = notes(g, wrt=wanted, at=at, standalone=not args.fragment, lr=args.lr,
                 budget=budget, digits=args.digits, lang=args.lang, title=args.title,
                 title_tex=args.title_tex, slides=args.slides, format=args.format)
    if not args.output:
        out.write(text)
    else:
        path = write_text(args.output, text, force=args.force)
        print(f"wrote {path}", file=out)
        if args.pdf:
            print(f"wrote {compile_pdf(path, force=args.force)}", file=out)
    for remark in text.remarks:  # for the user, never in the students' text
        print(f"symbackprop notes: {remark}", file=sys.stderr)
    return 0


MAX_RANGE = 64


def parse_range(text: str, what: str) -> list[int]:
    """``"1-4"`` -> [1, 2, 3, 4]; ``"1,2,8"`` -> [1, 2, 8]; each value from 1 to 64."""
    out: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part.strip("-"):
                a, b = (int(x) for x in part.split("-", 1))
                if not (1 <= a <= MAX_RANGE and 1 <= b <= MAX_RANGE):
                    raise InvalidValueError(f"--{what} takes values from 1 to {MAX_RANGE}; got "
                                            f"{text!r}")
                out += list(range(a, b + 1))
            else:
                out.append(int(part))
    except ValueError as e:
        if isinstance(e, InvalidValueError):
            raise
        raise InvalidValueError(f"--{what} expects a range such as 1-4 or 1,2,8; got "
                                f"{text!r}") from None
    if not out or min(out) < 1 or max(out) > MAX_RANGE:
        raise InvalidValueError(f"--{what} takes values from 1 to {MAX_RANGE}; got {text!r}")
    return out


def cmd_sizes(args, out=None) -> int:
    from .render.sizes import save_study_csv, size_study_rows, study_header, study_row
    out = sys.stdout if out is None else out
    budget = _budget(args.budget)
    widths, depths = parse_range(args.width, "width"), parse_range(args.depth, "depth")
    if args.max_params is not None and not args.max_params >= 1:  # NaN too
        raise InvalidValueError(f"--max-params must be a positive number, not {args.max_params}")
    if args.plot:
        from .render.plot import check_figure_path
        check_figure_path(args.plot, args.force)
    if args.csv:
        from .io import check_writable
        check_writable(args.csv, args.force)
    # the whole study is checked here, before anything is printed; then each row is printed
    # (and flushed) as soon as its net is measured
    studied = size_study_rows(widths, depths, activation=args.activation, budget=budget,
                              max_params=args.max_params)
    print(f"Sizes of the derivative of the loss for the first weight; activation "
          f"{args.activation}; net = [width] * (depth + 1) + [1]", file=out)
    print(study_header(), file=out, flush=True)
    rows = []
    for row in studied:
        rows.append(row)
        print(study_row(row), file=out, flush=True)
    if any(not r["expanded_built"] for r in rows):
        print(f"≈: counted, not built (over the budget of {budget:,.0f} nodes)", file=out)
    if args.csv:
        save_study_csv(rows, args.csv, force=args.force)
        print(f"table written to {args.csv}", file=out)
    if args.plot:
        from .render.plot import plot_size_study
        plot_size_study(rows, args.plot, force=args.force)
        print(f"plot written to {args.plot}", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symbackprop",
        description="Backpropagation made visible: derive, measure and print gradients.",
        epilog="With no command: the chain-rule derivation of ∂E/∂w1 for the lecture notes' 2-2-1 net.")
    parser.add_argument("--version", action="version", version=f"symbackprop {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    # --debug also after the command (symbackprop derive ... --debug): a parent parser gives
    # every command the option; its default is left out, so it never undoes one given before
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    d = sub.add_parser("derive", parents=[common],
                       help="derive gradients in chain, expanded or backprop form",
                       description="Derive ∂L/∂w for a network or a staged graph.")
    add_network_options(d)
    d.add_argument("--wrt", nargs="+", metavar="NAME",
                   help="variables to differentiate with respect to (default: all parameters)")
    d.add_argument("--form", default="chain", choices=FORMS,
                   help="which form to print (default: chain); matrix: BP1-BP4 on matrices "
                        "with their dimensions, for a network of any width")
    d.add_argument("--multiply-out", action="store_true",
                   help="with the expanded form: also multiply out products of sums")
    d.add_argument("--sizes", action="store_true", help="print the size comparison table")
    d.add_argument("--at", metavar="POINT", default=None,
                   help="a point, e.g. x1=0.05,x2=0.1,t=0.01,w1=0.15,...: print values and "
                        "gradients of every symbol")
    d.add_argument("--budget", type=float, default=DEFAULT_BUDGET,
                   help=f"largest expression tree to build (default: {DEFAULT_BUDGET:,})")
    d.add_argument("--ascii", action="store_true", help="plain ASCII output")
    d.set_defaults(func=cmd_derive)

    n = sub.add_parser("notes", parents=[common],
                       help="write LaTeX lecture notes of the derivation",
                       description="LaTeX lecture notes: forward pass, chain rule, local "
                                   "derivatives, substituted form, values, update, matrix form.")
    add_network_options(n)
    n.add_argument("--wrt", nargs="+", metavar="NAME",
                   help="variables to derive (default: the first weight and bias of each "
                        "layer; 'all' for every parameter)")
    n.add_argument("--at", metavar="POINT", default=None,
                   help="a point giving every leaf, e.g. x1=0.05,x2=0.1,t=0.01,w1=0.15,...: "
                        "adds the table of values and gradients and the update")
    n.add_argument("--lr", type=float, default=0.5, help="learning rate of the update (0.5)")
    n.add_argument("--digits", type=int, default=None,
                   help="significant digits of the numbers (default: 6, and 4 on slides)")
    n.add_argument("--lang", default="en", choices=list(LANGUAGES),
                   help="language of the text: en or ko (default: en)")
    n.add_argument("--title", default=None,
                   help="the document's title, as plain text (every character printed as it is)")
    n.add_argument("--title-tex", default=None, metavar="LATEX",
                   help="the title as LaTeX, pasted in as it is: trusted input only (pdflatex "
                        "still runs without shell escape and reads no file outside its folder)")
    n.add_argument("--slides", action="store_true", help="a Beamer slide deck (--format slides)")
    n.add_argument("--format", default=None, choices=list(FORMATS),
                   help="article (default), slides, mathjax (what a notebook shows) or html "
                        "(a web page typeset by MathJax)")
    n.add_argument("-o", "--output", metavar="FILE.tex", default=None,
                   help="write to a file (atomically) instead of standard output")
    n.add_argument("--fragment", action="store_true",
                   help="a fragment for \\input instead of a standalone document")
    n.add_argument("--pdf", action="store_true", help="also run pdflatex (needs -o)")
    n.add_argument("--force", action="store_true", help="overwrite existing files")
    n.add_argument("--budget", type=float, default=None,
                   help="largest expression (and total notes size) to build")
    n.set_defaults(func=cmd_notes)

    x = sub.add_parser("exercises", parents=[common],
                       help="write a problem set (one page per variant) and its answer key",
                       description="Exercises on a network or graph: each variant at its own "
                                   "random point, drawn from --seed; the key has worked "
                                   "solutions.")
    add_network_options(x, activation="sigmoid")
    x.add_argument("--variants", type=int, default=3, metavar="N",
                   help="problems, one page each (default: 3)")
    x.add_argument("--seed", type=int, default=1, help="random seed of the points (default: 1)")
    x.add_argument("--digits", type=int, default=4,
                   help="significant digits of the answers (default: 4)")
    x.add_argument("--lang", default="en", choices=list(LANGUAGES),
                   help="language of the text: en or ko (default: en)")
    x.add_argument("-o", "--output", metavar="FILE.tex", required=True,
                   help="the problem sheet (LaTeX)")
    x.add_argument("--answers", metavar="FILE.tex", default=None,
                   help="also write the answer key with worked solutions")
    x.add_argument("--pdf", action="store_true", help="also run pdflatex on each file")
    x.add_argument("--force", action="store_true", help="overwrite existing files")
    x.set_defaults(func=cmd_exercises)

    z = sub.add_parser("sizes", parents=[common],
                       help="how the forms grow with depth and width",
                       description="The size study: expanded, chain and backprop sizes as "
                                   "depth and width grow.")
    z.add_argument("--width", default="1-4", help="widths, e.g. 1-4 or 1,2,4 (default: 1-4)")
    z.add_argument("--depth", default="1-8", help="hidden layers, e.g. 1-8 (default: 1-8)")
    z.add_argument("--activation", default="sigmoid", choices=list(ACTIVATIONS))
    z.add_argument("--budget", type=float, default=5_000,
                   help="build forms up to this tree size, count past it (default: 5000)")
    z.add_argument("--max-params", type=float, default=None, metavar="N",
                   help=f"most parameters of all nets together (default: {STUDY_BUDGET:,}; "
                        "about a second per 1,500)")
    z.add_argument("--plot", metavar="PNG", default=None, help="save a log-scale plot")
    z.add_argument("--csv", metavar="CSV", default=None, help="save the table as CSV")
    z.add_argument("--force", action="store_true", help="overwrite existing files")
    z.set_defaults(func=cmd_sizes)

    from .numeric.backend import BACKENDS
    from .numeric.datasets import DATASETS
    from .numeric.training import OPTIMIZERS
    t = sub.add_parser("train", parents=[common],
                       help="train a small net with the compiled gradients",
                       description="Train a network by gradient descent on a built-in data set.")
    add_network_options(t, activation="tanh", naming="textbook")
    t.set_defaults(net="2-4-1")
    t.add_argument("--data", default="xor", choices=sorted(DATASETS),
                   help="data set (default: xor)")
    t.add_argument("--lr", type=float, default=0.5, help="learning rate (default: 0.5)")
    t.add_argument("--steps", type=int, default=2000, help="steps (default: 2000)")
    t.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    t.add_argument("--batch-size", type=int, default=None, help="minibatch size (default: all)")
    t.add_argument("--optimizer", default="gd", choices=OPTIMIZERS, help="default: gd")
    t.add_argument("--backend", default="numpy", choices=sorted(BACKENDS),
                   help=f"compiled code: {', '.join(sorted(BACKENDS))} (default: numpy; the "
                        "others are optional extras)")
    t.add_argument("--plot", metavar="PNG", default=None, help="save the loss curve")
    t.add_argument("--save", metavar="JSON", default=None,
                   help="save the trained parameters (also after Ctrl-C)")
    t.add_argument("--force", action="store_true", help="overwrite existing files")
    t.set_defaults(func=cmd_train)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    if not argv:
        argv = ["derive", "--wrt", "w1"]
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return args.func(args)
    except RUNTIME_ERRORS as e:
        print(f"symbackprop: error: {e}", file=sys.stderr)
        return 1
    except SymbackpropError as e:
        print(f"symbackprop: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("symbackprop: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except OSError as e:  # the environment: a full disk, a vanished folder, ...
        print(f"symbackprop: error: {e.strerror or e}", file=sys.stderr)
        return 1
    except MemoryError:
        print("symbackprop: error: out of memory; ask for a smaller net or form", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - a bug: say so briefly, the traceback on --debug
        if args.debug:
            traceback.print_exc()
        print(f"symbackprop: internal error: {type(e).__name__}: {e} (this is a bug; "
              "--debug shows the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
