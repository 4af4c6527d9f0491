"""One shared catalogue of small nets, activations and losses for parametrized tests."""

ACTIVATIONS = ["sigmoid", "tanh", "relu", "identity", "softplus", "leaky_relu"]
NETS = [[1, 1, 1], [2, 3, 1], [2, 2, 2, 2], [3, 2, 3, 2]]  # widths up to 3, depths up to 3
LOSS_OUTPUTS = [("half_se", None), ("mse", "identity"), ("bce", None), ("softmax_ce", None)]


def cases():
    """(layers, activation, loss, output_activation) covering every activation and loss."""
    out = []
    for i, act in enumerate(ACTIVATIONS):
        for j, (loss, out_act) in enumerate(LOSS_OUTPUTS):
            layers = NETS[(i + j) % len(NETS)]
            if loss == "softmax_ce" and layers[-1] < 2:
                layers = [*layers[:-1], 2]
            out.append((layers, act, loss, out_act))
    return out


# numba compiles each net's functions once per process (3-5 s a net), keyed by their source:
# the numba tests of every file share these nets, so that each is compiled once in a run
NUMBA_SOFTMAX = ([2, 4, 3], "softplus", "softmax_ce", None)
"""The softmax net of the numba tests: the scalar and the matrix loops, E1's targets that do
not sum to 1, and the paced big batches."""
NUMBA_WIDE = ([40, 10, 10], "tanh", "softmax_ce", None)
"""Ten classes and more than 400 parameters: the matrix path by default, and BLAS for big
batches."""
