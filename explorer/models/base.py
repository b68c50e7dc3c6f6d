"""The protocol every generative family shares (DESIGN.md): sizes from the config, seeded latents."""

from collections.abc import Sequence

import torch

from explorer import latent as latent_math


class LatentGenerator:
    """Mixed into a family's model: ``latent_dim`` and ``resolution`` from ``self.config``, ``sample_latent``."""

    config: object

    @property
    def latent_dim(self) -> int:
        return self.config.latent_dim

    @property
    def resolution(self) -> int:
        return self.config.resolution

    def sample_latent(self, n: int, seed: int, truncation: float | None = None) -> torch.Tensor:
        """``n`` latents z ~ N(0, I) (row i from seed + i); ``truncation`` resamples |z_i| beyond it."""
        shape = (self.config.latent_dim,)
        if truncation is None:
            return latent_math.sample_normal(n, seed, shape)
        return latent_math.truncated_normal(n, seed, shape, truncation)


class ClassConditional:
    """Class vectors for a conditional generator that has ``num_classes`` and ``class_index(name)``."""

    num_classes: int

    def class_index(self, name: str) -> int:
        raise NotImplementedError

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


class StyleGenerator(LatentGenerator):
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


def load_strict(model: torch.nn.Module, state: dict[str, torch.Tensor], source: str) -> torch.nn.Module:
    """Load ``state`` into ``model`` only when every key and every shape matches.

    ``ValueError`` otherwise, starting with ``source`` and naming the first mismatches. Narrower
    stored dtypes (fp16) are fine: ``load_state_dict`` copies into the model's parameters.
    """
    expected = model.state_dict()
    missing, unexpected = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    if missing or unexpected:
        raise ValueError(f"{source}: missing keys {missing[:5]}, unexpected keys {unexpected[:5]}")
    for key, value in expected.items():
        if value.shape != state[key].shape:
            raise ValueError(f"{source}: {key} has shape {tuple(state[key].shape)}, expected {tuple(value.shape)}")
    model.load_state_dict(state, strict=True)
    return model
