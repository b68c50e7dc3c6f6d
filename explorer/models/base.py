"""The protocol every generative family shares (DESIGN.md), and the capabilities tabs ask for.

Capabilities are types a family's model class derives from; the registry (``explorer.models.registry``)
reads them from the class, and tabs list models by them (``zoo.names(StyleGenerator)``):

- ``LatentGenerator``: ``latent_dim``, ``resolution``, seeded ``sample_latent``, ``generate(z)``;
- ``Unconditional``: ``generate(z)`` needs nothing but z (interpolation, arithmetic);
- ``ClassConditional``: ``num_classes``, class names and (soft) class vectors (truncation tab);
- ``StyleGenerator``: ``mapping``/``synthesis``, ws rows, noise inputs (style mixing, w space);
- ``HasEncoder``: ``encode(x) -> (μ, log σ²)`` and ``decode(z)`` (VAE tabs).

``Pretrained`` gives every model ``save_pretrained``/``from_pretrained`` in our folder format.
"""

from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from huggingface_hub import PyTorchModelHubMixin

from explorer import latent as latent_math
from explorer.models.folder import CONFIG_NAME, WEIGHTS_NAME, ZooError, load_folder, save_folder


class Pretrained(PyTorchModelHubMixin):
    """``save_pretrained(folder)`` writes our folder (``config.json`` with the family + ``model.safetensors``);
    ``from_pretrained(folder or "user/repo[@rev]")`` reads it back: the two are inverses."""

    def _save_pretrained(self, save_directory: Path) -> None:
        save_folder(save_directory, self)

    @classmethod
    def from_pretrained(  # type: ignore[override]
        cls,
        source: str | Path,
        *,
        revision: str | None = None,
        token: str | None = None,
        map_location: str = "cpu",
        strict: bool = True,
        **download,
    ):
        """A model of this class from a local folder or a Hub repo in our format (strict, safetensors only).

        ``download``: ``snapshot_download`` options (``cache_dir``, ``force_download``, ``local_files_only``)."""
        if not strict:
            raise ValueError("our model folders load strictly: every key and every shape must match")
        folder = Path(source)
        if not folder.is_dir():
            from huggingface_hub import snapshot_download

            repo, _, at = str(source).partition("@")
            patterns = [CONFIG_NAME, WEIGHTS_NAME, "README.md"]
            revision = revision or at or None
            folder = Path(snapshot_download(repo, revision=revision, token=token, allow_patterns=patterns, **download))
        model = load_folder(folder, map_location)
        if not isinstance(model, cls):
            raise ZooError(f"{source} holds a {type(model).__name__}, not a {cls.__name__}")
        return model


class LatentGenerator:
    """Mixed into a family's model: ``latent_dim`` and ``resolution`` from ``self.config``, ``sample_latent``."""

    config: object

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def resolution(self) -> int:
        return self.config.resolution

    def latents_of(self, seeds: Sequence[int]) -> torch.Tensor:
        """One latent z ~ N(0, I) per seed, row i drawn from ``seeds[i]`` (``sample_latent(1, seed)``'s z)."""
        return latent_math.seeded_normal(seeds, (self.config.latent_dim,))

    def sample_latent(self, n: int, seed: int, truncation: float | None = None) -> torch.Tensor:
        """``n`` latents z ~ N(0, I) (row i from seed + i); ``truncation`` resamples |z_i| beyond it."""
        shape = (self.config.latent_dim,)
        if truncation is None:
            return latent_math.sample_normal(n, seed, shape)
        return latent_math.truncated_normal(n, seed, shape, truncation)


class Unconditional(LatentGenerator):
    """``generate(z)`` needs nothing but the latent."""


class AffineLatentInput(Unconditional):
    """z enters through an affine first layer: a linear map, or a 1×1 → k×k transposed convolution. The Directions
    tab reads it: SeFa (Shen & Zhou 2021) the matrix A of ``latent_layer``, GANSpace (Härkönen et al. 2020) the
    activations of ``first_block``. A family whose generator has such a layer declares this and gets both."""

    def latent_layer(self) -> Callable[[torch.Tensor], torch.Tensor]:
        """z (n, latent_dim) → the first affine layer's output (any shape; affine in z)."""
        raise NotImplementedError

    def first_block(self) -> Callable[[torch.Tensor], torch.Tensor]:
        """z (n, latent_dim) → the first block's activations (after its normalisation and nonlinearity), (n, f)."""
        raise NotImplementedError


class HasEncoder(Unconditional):
    """An encoder q(z|x) beside the decoder: ``encode(x) -> (μ, log σ²)``, ``decode(z)`` (a VAE)."""

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class ClassConditional:
    """Class vectors for a conditional generator that has ``num_classes`` and ``class_index(name)``."""

    num_classes: int
    class_names: list[str]

    def class_index(self, name: str) -> int:
        """The index of a class by name; ``ValueError`` lists the names when it is unknown."""
        names = self.class_names
        if name not in names:
            raise ValueError(f"unknown class {name!r}; classes: {', '.join(names)}")
        return names.index(name)

    def generate(
        self,
        latent: torch.Tensor,
        classes: torch.Tensor | Sequence[int | str] | None = None,
        truncation: float | None = None,
    ) -> torch.Tensor:
        """Images for latents and classes (indices, names or soft vectors); default classes cycle 0, 1, 2, ….

        ``truncation`` is accepted as every ``ClassConditional`` model takes it; here it lives in the latents
        only (``sample_latent(truncation=…)``), the network ``self(z, class_vectors)`` does not depend on it."""
        device = next(self.parameters()).device
        vectors = self.class_vectors(latent.shape[0], classes)
        return self(latent.to(device=device, dtype=torch.float32), vectors.to(device))

    def class_vector(self, classes: torch.Tensor | Sequence[int | str] | int | str) -> torch.Tensor:
        """(n, num_classes) float class vectors from indices, names, or soft vectors (rows mixing classes)."""
        if isinstance(classes, (int, str)):
            classes = [classes]
        if isinstance(classes, torch.Tensor) and classes.is_floating_point():
            if classes.ndim != 2 or classes.shape[1] != self.num_classes:
                raise ValueError(
                    f"soft class vectors must have shape (n, {self.num_classes}), got {tuple(classes.shape)}"
                )
            return classes.float()
        indices = [self.class_index(c) if isinstance(c, str) else int(c) for c in classes]
        if any(not 0 <= i < self.num_classes for i in indices):
            raise ValueError(f"class indices must be in [0, {self.num_classes}), got {indices}")
        return torch.nn.functional.one_hot(torch.tensor(indices), self.num_classes).float()

    def class_vectors(self, n: int, classes: torch.Tensor | Sequence[int | str] | None) -> torch.Tensor:
        """``n`` class vectors for ``n`` latents: one class for all, one per latent, or (None) 0, 1, 2, … cycling."""
        vectors = self.class_vector(classes if classes is not None else [i % self.num_classes for i in range(n)])
        if vectors.shape[0] == 1 and n > 1:
            vectors = vectors.expand(n, -1)
        if vectors.shape[0] != n:
            raise ValueError(f"{n} latents but {vectors.shape[0]} classes")
        return vectors


NOISE_MODES = ("const", "random", "none")  # StyleGAN noise inputs: stored maps, fresh draws, or none


class StyleGenerator(Unconditional):
    """What our StyleGAN and the converted StyleGAN2 share: ws rows, truncation towards ``w_avg``, noise
    maps, ``generate``.

    A subclass has ``num_ws``, a ``w_avg`` buffer, ``noise_resolutions`` (one per layer with noise),
    ``stored_noise()``, ``mapping(z, ψ, cutoff)`` and ``synthesis(ws, …)``.
    """

    num_ws: int
    w_avg: torch.Tensor
    noise_resolutions: list[int]

    def stored_noise(self) -> list[torch.Tensor]:
        raise NotImplementedError

    def noise_maps(self, n: int, noise_mode: str, noise_seed: int = 0) -> list[torch.Tensor | None]:
        """Per-layer noise: the stored maps, fresh draws from ``noise_seed`` (same for every sample's seed), or none."""
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        if noise_mode == "none":
            return [None] * len(self.noise_resolutions)
        if noise_mode == "const":
            return self.stored_noise()
        generator = torch.Generator().manual_seed(latent_math.check_seed(noise_seed))
        return [torch.randn(n, 1, r, r, generator=generator).to(self.w_avg.device) for r in self.noise_resolutions]

    def broadcast(self, w: torch.Tensor, truncation_psi: float, truncation_cutoff: int | None) -> torch.Tensor:
        """w (n, w_dim) → ws (n, num_ws, w_dim), with w_avg + ψ(w − w_avg) on the first ``cutoff`` rows (all: None)."""
        ws = w[:, None].repeat(1, self.num_ws, 1)
        if truncation_psi != 1.0:
            cutoff = self.num_ws if truncation_cutoff is None else truncation_cutoff
            ws[:, :cutoff] = self.w_avg.lerp(ws[:, :cutoff], truncation_psi)
        return ws

    def row_strengths(self, ws: torch.Tensor, noise_strength: float | list[float]) -> list[float]:
        """One noise strength per ws row, from one float or a list; ``ValueError`` for a wrong count."""
        num_ws = ws.shape[1]
        if num_ws != self.num_ws:
            raise ValueError(f"ws has {num_ws} rows, this generator needs num_ws = {self.num_ws}")
        if isinstance(noise_strength, int | float):
            return [float(noise_strength)] * num_ws
        strengths = list(noise_strength)
        if len(strengths) != num_ws:
            raise ValueError(f"noise_strength needs one value per layer ({num_ws}), got {len(strengths)}")
        return strengths

    def generate(
        self,
        latent: torch.Tensor,
        truncation_psi: float = 1.0,
        noise_mode: str = "const",
        noise_strength: float | list[float] = 1.0,
        noise_seed: int = 0,
    ) -> torch.Tensor:
        """Images in [-1, 1] for latents z (clamped: StyleGAN has no output tanh)."""
        z = latent.to(device=self.w_avg.device, dtype=torch.float32)
        return self.synthesis(self.mapping(z, truncation_psi), noise_mode, noise_strength, noise_seed).clamp(-1, 1)
