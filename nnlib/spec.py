"""A network described by plain values, so pages, links and files can share it.

``NetworkSpec`` names a fully connected network (inputs, hidden layer sizes,
activation, outputs) by plain values; ``build`` turns it into a :class:`Sequential`.
A host that must bound what its users build checks the spec before building it.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import activations
from .layers import Dense, count_params
from .model import Sequential
from .validation import check_int


@dataclass(frozen=True)
class NetworkSpec:
    """n_in inputs → hidden layers (neurons each) → n_out outputs.

    ``activation`` is used by every hidden layer; ``output`` by the output layer
    ('softmax' with cross-entropy for classification).
    """

    n_in: int = 2
    hidden: tuple[int, ...] = (4, 4)
    n_out: int = 2
    activation: str = "relu"
    output: str = "softmax"
    loss: str = "cross_entropy"

    def __post_init__(self):
        object.__setattr__(self, "hidden", tuple(self.hidden))
        activations.get(self.activation)
        activations.get(self.output)
        for name, value in (("n_in", self.n_in), ("n_out", self.n_out)):
            check_int(name, value)
        for i, n in enumerate(self.hidden, start=1):
            check_int(f"hidden[{i - 1}] (neurons in hidden layer {i})", n)

    @property
    def sizes(self) -> list[int]:
        return [self.n_in, *self.hidden, self.n_out]

    def count_params(self) -> int:
        return count_params(self.sizes)

    def build(self, seed=0, dtype: str = "float32") -> Sequential:
        """A freshly initialised network of this shape; the seed fixes its starting θ."""
        from .initializers import make_rng

        rng = make_rng(seed)
        sizes = self.sizes
        layers = []
        for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
            act = self.output if i == len(sizes) - 2 else self.activation
            layers.append(Dense(a, b, activation=act, seed=rng, dtype=dtype))
        return Sequential(layers, loss=self.loss)

    def describe(self) -> str:
        return " → ".join(str(s) for s in self.sizes) + f" ({self.activation}, {self.count_params():,} parameters)"
