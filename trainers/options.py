"""The training tricks, each defined once: its default, its choices, its CLI help, the Training tab's label and what
a message calls it. ``RunSpec``'s fields (``trainers.job``), the CLI's flags and ``--help`` (``trainers.registry``),
the Training tab's controls and checks (``explorer.ui.tabs.training``) and the model card's list of what a run changed
are all read from ``TRICKS``. Adding a trick is one ``Trick`` here and its use in the trainer's config and loop.
"""

from dataclasses import dataclass, field

from explorer.models.dcgan import G_CHOICES


@dataclass(frozen=True)
class Trick:
    name: str  # the RunSpec field, the train or model config field, the CLI flag (--name-with-dashes)
    default: object  # what the tab starts with and the CLI's default: the paper's recipe
    switch: str  # what a message calls it: "DCGAN has no <switch> switch"
    help: str  # the CLI's help
    label: str  # the Training tab's label
    choices: tuple[tuple[str, str], ...] = ()  # (what the tab shows, the value) for a choice among words
    model: bool = False  # a field of the model's config (G's architecture), not of the train config

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(value for _, value in self.choices)

    def spec_field(self):
        """The ``RunSpec`` field of this trick: its default, and the trick itself as metadata."""
        return field(default=self.default, metadata={"trick": self})


def _in(values: tuple[str, ...], shown: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """``values`` (the code's own list) with the words the tab shows for each; every value shown, none invented."""
    assert set(shown) == set(values), (shown, values)
    return tuple((shown[v], v) for v in values)


D_DOWNS = ("strided", "avg-pool", "max-pool")  # D's 2× downsampling (trainers.dcgan.DCGANTrainConfig checks them)
D_NORMS = ("batch", "layer", "instance", "none")  # D's normalisation; the tab's "" is the objective's recipe
D_ACTIVATIONS = ("leaky-relu", "relu")
D_BATCHES = ("separate", "mixed")

TRICKS: dict[str, Trick] = {
    t.name: t
    for t in (
        Trick(
            "soft_labels",
            False,
            "soft-label",
            "random soft targets: real ~ U(0.7, 1.2), fake ~ U(0, 0.3) (BCE losses)",
            "Soft labels: real ~ U(0.7, 1.2), fake ~ U(0, 0.3) (BCE losses)",
        ),
        Trick(
            "label_flip",
            0.0,
            "label-flip",
            "probability of swapping a real/fake label pair for D",
            "Flip D's labels: share of real/fake pairs",
        ),
        Trick(
            "d_batches",
            "separate",
            "mixed-batch",
            "D's batches: separate (all-real, all-fake) or mixed",
            "D's minibatches (what batch norm sees)",
            _in(D_BATCHES, {"separate": "all-real and all-fake batches", "mixed": "mixed batches"}),
        ),
        Trick(
            "d_norm",
            "",
            "D-normalisation",
            "D's normalisation: batch, layer, instance or none",
            "D's normalisation",
            (("the loss's recipe (batch; layer with a gradient penalty)", ""),)
            + _in(
                D_NORMS,
                {
                    "batch": "batch norm (DCGAN)",
                    "layer": "layer norm (per sample)",
                    "instance": "instance norm (per sample)",
                    "none": "none",
                },
            ),
        ),
        Trick(
            "d_activation",
            "leaky-relu",
            "D-activation",
            "D's activation: leaky-relu or relu",
            "D's activation",
            _in(D_ACTIVATIONS, {"leaky-relu": "LeakyReLU(0.2)", "relu": "ReLU"}),
        ),
        Trick(
            "d_down",
            "strided",
            "D-downsampling",
            "D's 2× downsampling: strided (DCGAN, 4×4 stride-2 convs), avg-pool or max-pool (3×3 conv + pooling)",
            "D's downsampling",
            _in(
                D_DOWNS,
                {
                    "strided": "strided conv (DCGAN)",
                    "avg-pool": "conv + average pooling",
                    "max-pool": "conv + max pooling",
                },
            ),
        ),
        Trick(
            "d_spectral_norm",
            False,
            "spectral-norm",
            "spectral normalisation W/σ(W) on each of D's layers (SNGAN; D's norm then defaults to none)",
            "Spectral normalisation on D (SNGAN: W/σ(W) per layer; D's norm then none by default)",
        ),
        Trick(
            "g_norm",
            "batch",
            "G-normalisation",
            "G's normalisation: batch (DCGAN) or none",
            "G's normalisation",
            _in(G_CHOICES["g_norm"], {"batch": "batch norm (DCGAN)", "none": "none"}),
            model=True,
        ),
        Trick(
            "g_activation",
            "relu",
            "G-activation",
            "G's activation: relu (DCGAN) or leaky-relu",
            "G's activation",
            _in(G_CHOICES["g_activation"], {"relu": "ReLU (DCGAN)", "leaky-relu": "LeakyReLU(0.2)"}),
            model=True,
        ),
        Trick(
            "g_output",
            "tanh",
            "G-output",
            "G's output: tanh (DCGAN, data in [-1, 1]) or sigmoid (only [0, 1])",
            "G's output layer",
            _in(
                G_CHOICES["g_output"],
                {"tanh": "tanh: [−1, 1] like the data (DCGAN)", "sigmoid": "sigmoid: [0, 1], half the data's range"},
            ),
            model=True,
        ),
        Trick(
            "ortho_beta",
            1e-4,
            "orthogonal-regularisation",
            "orthogonal regularisation (0 = off)",
            "Orthogonal regularisation β (BigGAN; 0 = off)",
        ),
    )
}
MODEL_TRICKS = tuple(name for name, t in TRICKS.items() if t.model)  # RunSpec fields that go to the model config
