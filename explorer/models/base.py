"""The protocol every generative family shares (DESIGN.md): sizes from the config, seeded latents."""

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


class StyleGenerator(LatentGenerator):
    """What our StyleGAN and the converted StyleGAN2 share: ws rows, truncation towards ``w_avg``, ``generate``.

    A subclass has ``num_ws``, a ``w_avg`` buffer, ``mapping(z, ψ, cutoff)`` and ``synthesis(ws, …)``.
    """

    num_ws: int
    w_avg: torch.Tensor

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
