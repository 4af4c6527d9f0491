"""Command-line interface: ``symbackprop derive ...`` (and ``python -m symbackprop``).

With no arguments it prints the chain-rule derivation of ∂E/∂w1 for seed 004's 2-2-1 net with a
generic activation a(·).
"""

from __future__ import annotations

import argparse
import shutil
import sys

import sympy as sp

from .derive import DEFAULT_BUDGET, backprop, chain, expanded
from .errors import SymbackpropError, UnknownNameError
from .graph import Graph
from .network import ACTIVATIONS, LOSSES, NAMINGS, OUTPUT_ACTIVATIONS, mlp
from .parse import read_graph

__all__ = ["main"]

FORMS = ("chain", "expanded", "backprop", "all")


def inline(expr: sp.Expr, unicode: bool = True) -> str:
    """One-line text for an expression: ``x^2·y`` (or SymPy's ``x**2*y`` with unicode off)."""
    s = sp.sstr(expr)
    if unicode:
        s = s.replace("**", "^").replace("*", "·")
    return s


def parse_point(text: str | None) -> dict[str, str]:
    """``"x1=0.05,x2=0.1"`` -> ``{"x1": "0.05", "x2": "0.1"}`` (values converted later, exactly)."""
    out: dict[str, str] = {}
    if not text:
        return out
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if "=" not in part:
            raise SymbackpropError(f"--at expects name=value pairs separated by commas; got {part!r}")
        k, v = (s.strip() for s in part.split("=", 1))
        if k in out:
            raise SymbackpropError(f"--at gives {k!r} twice")
        out[k] = v
    return out


def add_network_options(p: argparse.ArgumentParser, activation: str = "a",
                        naming: str = "sequential") -> None:
    src = p.add_argument_group("the network (or --graph)")
    src.add_argument("--net", default="2-2-1", metavar="SIZES",
                     help="layer sizes joined by '-' (default: 2-2-1, seed 004's net)")
    src.add_argument("--activation", default=activation, metavar="NAME",
                     help=f"hidden activation: {', '.join(ACTIVATIONS)} (default: {activation})")
    src.add_argument("--output-activation", default=None, metavar="NAME",
                     help=f"output activation: {', '.join(OUTPUT_ACTIVATIONS)} "
                          "(default: depends on the loss)")
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
        return [g.symbol(n) for n in flat]
    return list(g.param_symbols or g.leaf_symbols)


def _print_chain(g: Graph, v: sp.Symbol, budget, uni: bool, out) -> None:
    c = chain(g, v, budget=budget)
    d = "∂" if uni else "d"
    n = len(c.paths)
    print(f"{d}{g.output.name}/{d}{v.name}: chain rule, {n} path{'s' if n != 1 else ''}", file=out)
    if not n:
        print(f"  {d}{g.output.name}/{d}{v.name} = 0  ({v.name} does not reach "
              f"{g.output.name})", file=out)
        return
    text = c.format(show=lambda e: inline(e, uni), d=d, dot=" · " if uni else " * ",
                    always_sum=False)
    print("  " + text.replace("\n", "\n  "), file=out)
    print("  local derivatives:", file=out)
    width = max(len(f"{d}{f.child.name}/{d}{f.parent.name}") for f in c.factors)
    for f in c.factors:
        label = f"{d}{f.child.name}/{d}{f.parent.name}".ljust(width)
        print(f"    {label} = {inline(f.local, uni)}", file=out)


def _print_expanded(g: Graph, v: sp.Symbol, budget, multiply_out: bool, uni: bool, out) -> None:
    d = "∂" if uni else "d"
    e = expanded(g, v, multiply_out=multiply_out, budget=budget)
    kind = "multiplied out" if multiply_out else "every node substituted"
    print(f"{d}{g.output.name}/{d}{v.name}: expanded ({kind})", file=out)
    cols = max(shutil.get_terminal_size((100, 24)).columns - 4, 40)
    text = sp.pretty(e, use_unicode=uni, wrap_line=True, num_columns=cols)
    for line in text.splitlines():
        print("    " + line, file=out)


def _print_program(g: Graph, wanted: list[sp.Symbol], uni: bool, out) -> None:
    prog = backprop(g)
    print(f"backprop program ({len(prog.forward)} forward, {len(prog.deltas)} delta, "
          f"{len(prog.grads)} gradient steps; each delta computed once)", file=out)
    titles = {"forward": "forward", "delta": "backward: deltas", "grad": "gradients"}
    for kind in ("forward", "delta", "grad"):
        steps = [s for s in prog.steps if s.kind == kind and (kind != "grad" or s.of in wanted)]
        if steps:
            print(f"  # {titles[kind]}", file=out)
            for s in steps:
                print(f"    {s.target.name} = {inline(s.expr, uni)}", file=out)


def _print_values(g: Graph, at: dict[str, str], wanted, uni: bool, out) -> None:
    point = g.full_point(at, what="--at")
    values = g.evaluate(point)
    grads = backprop(g).evaluate(point)
    d = "∂" if uni else "d"
    print(f"at {', '.join(f'{k}={v}' for k, v in at.items())}:", file=out)
    rows = [(s.name, _num(values[s]), _num(grads[s])) for s in g.symbols]
    head = ("symbol", "value", f"{d}{g.output.name}/{d}symbol")
    w = [max(len(r[i]) for r in [head, *rows]) for i in range(3)]
    for r in [head, *rows]:
        print(f"  {r[0].ljust(w[0])}  {r[1].rjust(w[1])}  {r[2].rjust(w[2])}", file=out)
    generic = any(getattr(type(f), "is_generic_activation", False)
                  for f in g.output.atoms(sp.Function) | set().union(
                      *(n.expr.atoms(sp.Function) for n in g.nodes)))
    if generic:
        print("  (the generic activation a(·) has no numeric value: choose e.g. "
              "--activation sigmoid for numbers)", file=out)


def _num(v: sp.Expr) -> str:
    if v.is_Integer or v.is_Rational:
        return str(v) if v.is_Integer or len(str(v)) < 16 else f"{float(v):.10g}"
    if v.is_number:
        try:
            return f"{float(v):.10g}"
        except TypeError:
            return str(v)
    return inline(v)


def cmd_derive(args, out=None) -> int:
    out = sys.stdout if out is None else out
    g = graph_from_args(args)
    if args.form not in FORMS:
        raise UnknownNameError("form", args.form, FORMS)
    wanted = _wrt(g, args.wrt)
    uni = not args.ascii
    budget = args.budget
    src = f"graph {args.graph}" if args.graph else repr(g).strip("<>")
    print(src, file=out)
    print("  " + str(g).replace("\n", "\n  "), file=out)
    print(file=out)
    if args.form in ("chain", "all"):
        for v in wanted:
            _print_chain(g, v, budget, uni, out)
            print(file=out)
    if args.form in ("expanded", "all"):
        for v in wanted:
            _print_expanded(g, v, budget, args.multiply_out, uni, out)
            print(file=out)
    if args.form in ("backprop", "all"):
        _print_program(g, wanted, uni, out)
        print(file=out)
    if args.sizes:
        from .sizes import compare_sizes
        for v in wanted:
            print(compare_sizes(g, v, budget=budget), file=out)
            print(file=out)
    if args.at is not None:
        _print_values(g, parse_point(args.at), wanted, uni, out)
    return 0


def cmd_train(args, out=None) -> int:
    from .datasets import load
    from .train import train
    out = sys.stdout if out is None else out
    if args.graph:
        raise SymbackpropError("train needs a network (--net ...); staged graphs have no data")
    X, T = load(args.data, seed=args.seed) if args.data != "xor" else load("xor")
    net = mlp(args.net, activation=args.activation, output_activation=args.output_activation,
              loss=args.loss, naming=args.naming)
    if net.n_inputs != X.shape[1] or net.n_outputs != T.shape[1]:
        raise SymbackpropError(
            f"the data set {args.data!r} has {X.shape[1]} inputs and {T.shape[1]} targets; "
            f"the net {args.net} has {net.n_inputs} and {net.n_outputs}")
    every = max(args.steps // 10, 1)

    def report(step, theta, loss):
        if step % every == 0 or step == 1:
            print(f"  step {step:>6}  loss {loss:.6g}", file=out)
        return False

    print(f"training {net!r} on {args.data} ({X.shape[0]} examples) with {args.optimizer}, "
          f"lr={args.lr}", file=out)
    run = train(net, X, T, lr=args.lr, steps=args.steps, seed=args.seed,
                batch_size=args.batch_size, optimizer=args.optimizer, callback=report,
                progress=False)
    final = run.loss(X, T)
    print(f"final loss {final:.6g} after {run.steps} steps ({run.compiled.path} path)", file=out)
    if args.loss != "mse" and args.data != "sine":
        print(f"training accuracy {run.accuracy(X, T):.1%}", file=out)
    if args.plot:
        from .plot import save_loss_curve
        save_loss_curve(run.history["loss"], args.plot,
                        title=f"{args.net} {args.activation} on {args.data}, lr={args.lr}")
        print(f"loss curve written to {args.plot}", file=out)
    return 0


def cmd_notes(args, out=None) -> int:
    from .notes import compile_pdf, notes, write_notes
    out = sys.stdout if out is None else out
    g = graph_from_args(args)
    wanted = _wrt(g, args.wrt)
    at = parse_point(args.at) if args.at else None
    if at is not None:
        g.full_point(at, what="--at")
    if args.pdf and not args.output:
        raise SymbackpropError("--pdf needs -o FILE.tex (the PDF is written next to it)")
    if args.pdf and args.fragment:
        raise SymbackpropError("--pdf needs a standalone document; leave out --fragment")
    text = notes(g, wrt=wanted, at=at, standalone=not args.fragment, lr=args.lr)
    if not args.output:
        out.write(text)
        return 0
    path = write_notes(text, args.output, force=args.force)
    print(f"wrote {path}", file=out)
    if args.pdf:
        pdf = path.with_suffix(".pdf")
        if pdf.exists() and not args.force:
            raise SymbackpropError(f"{str(pdf)!r} exists; pass --force to overwrite")
        print(f"wrote {compile_pdf(path)}", file=out)
    return 0


def parse_range(text: str, what: str) -> list[int]:
    """``"1-4"`` -> [1, 2, 3, 4]; ``"1,2,8"`` -> [1, 2, 8]."""
    out: list[int] = []
    try:
        for part in text.split(","):
            if "-" in part:
                a, b = (int(x) for x in part.split("-", 1))
                out += list(range(a, b + 1))
            else:
                out.append(int(part))
    except ValueError:
        raise SymbackpropError(f"--{what} expects a range such as 1-4 or 1,2,8; got {text!r}") \
            from None
    if not out or min(out) < 1:
        raise SymbackpropError(f"--{what} must list positive integers; got {text!r}")
    if max(out) > 64:
        raise SymbackpropError(f"--{what} goes up to 64; got {max(out)}")
    return out


def cmd_sizes(args, out=None) -> int:
    from .sizes import save_study_csv, size_study, study_table
    out = sys.stdout if out is None else out
    rows = size_study(parse_range(args.width, "width"), parse_range(args.depth, "depth"),
                      activation=args.activation, budget=args.budget)
    print(f"Sizes of the derivative of the loss for the first weight; activation "
          f"{args.activation}; net = [width] * (depth + 1) + [1]", file=out)
    print(study_table(rows), file=out)
    if any(not r["expanded_built"] for r in rows):
        print(f"≈: counted, not built (over the budget of {args.budget:,.0f} nodes)", file=out)
    if args.csv:
        save_study_csv(rows, args.csv)
        print(f"table written to {args.csv}", file=out)
    if args.plot:
        from .plot import plot_size_study
        plot_size_study(rows, args.plot)
        print(f"plot written to {args.plot}", file=out)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="symbackprop",
        description="Backpropagation made visible: derive, measure and print gradients.",
        epilog="With no command: the chain-rule derivation of ∂E/∂w1 for seed 004's 2-2-1 net.")
    parser.add_argument("--version", action="version", version="symbackprop 0.1.0")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    d = sub.add_parser("derive", help="derive gradients in chain, expanded or backprop form",
                       description="Derive ∂L/∂w for a network or a staged graph.")
    add_network_options(d)
    d.add_argument("--wrt", nargs="+", metavar="NAME",
                   help="variables to differentiate with respect to (default: all parameters)")
    d.add_argument("--form", default="chain", choices=FORMS,
                   help="which form to print (default: chain)")
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

    n = sub.add_parser("notes", help="write LaTeX lecture notes of the derivation",
                       description="LaTeX lecture notes: forward pass, chain rule, local "
                                   "derivatives, substituted form, values, update, matrix form.")
    add_network_options(n)
    n.add_argument("--wrt", nargs="+", metavar="NAME",
                   help="variables to derive (default: all parameters)")
    n.add_argument("--at", metavar="POINT", default=None,
                   help="a point giving every leaf, e.g. x1=0.05,x2=0.1,t=0.01,w1=0.15,...: "
                        "adds the table of values and gradients and the update")
    n.add_argument("--lr", type=float, default=0.5, help="learning rate of the update (0.5)")
    n.add_argument("-o", "--output", metavar="FILE.tex", default=None,
                   help="write to a file (atomically) instead of standard output")
    n.add_argument("--fragment", action="store_true",
                   help="a fragment for \\input instead of a standalone document")
    n.add_argument("--pdf", action="store_true", help="also run pdflatex (needs -o)")
    n.add_argument("--force", action="store_true", help="overwrite existing files")
    n.add_argument("--budget", type=float, default=DEFAULT_BUDGET, help=argparse.SUPPRESS)
    n.set_defaults(func=cmd_notes)

    z = sub.add_parser("sizes", help="how the forms grow with depth and width",
                       description="The size study: expanded, chain and backprop sizes as "
                                   "depth and width grow.")
    z.add_argument("--width", default="1-4", help="widths, e.g. 1-4 or 1,2,4 (default: 1-4)")
    z.add_argument("--depth", default="1-8", help="hidden layers, e.g. 1-8 (default: 1-8)")
    z.add_argument("--activation", default="sigmoid", choices=ACTIVATIONS)
    z.add_argument("--budget", type=float, default=5_000,
                   help="build forms up to this tree size, count past it (default: 5000)")
    z.add_argument("--plot", metavar="PNG", default=None, help="save a log-scale plot")
    z.add_argument("--csv", metavar="CSV", default=None, help="save the table as CSV")
    z.set_defaults(func=cmd_sizes)

    from .datasets import DATASETS
    from .train import OPTIMIZERS
    t = sub.add_parser("train", help="train a small net with the compiled gradients",
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
    t.add_argument("--plot", metavar="PNG", default=None, help="save the loss curve")
    t.set_defaults(func=cmd_train)
    return parser


def main(argv: list[str] | None = None) -> int:
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
    except SymbackpropError as e:
        print(f"symbackprop: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. piped into head
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
