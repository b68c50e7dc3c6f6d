"""Interpretable directions in a generator's latent space: closed-form (SeFa), PCA (GANSpace), supervised.

* **SeFa** (Shen & Zhou, "Closed-Form Factorization of Latent Semantics in GANs", CVPR 2021): the first
  operation on the latent is affine, y = A·z + b, so the directions that change y the most are the top
  eigenvectors of AᵀA. No sampling: the weights alone give them.
* **GANSpace** (Härkönen et al., "GANSpace: Discovering Interpretable GAN Controls", NeurIPS 2020): PCA of
  features over N samples. For StyleGAN the features are w itself (PCA in w space, Fig. 2); for a DCGAN
  they are the first block's activations (after its ReLU), whose principal components are carried back to
  z by linear regression of z on the PCA coordinates, as the paper does for BigGAN.
* **Supervised**: samples labelled by a classifier's class get a linear boundary fitted by logistic regression,
  whose unit normal is the direction (InterFaceGAN, Shen et al. CVPR 2020); a second class's normal can be
  projected out ("conditional" manipulation). Seeds labelled by a person's clicks give DCGAN Fig. 8's attribute
  vector, mean z(with) − mean z(without) (a handful of examples in 100 dimensions: no boundary to fit).

Every result is a ``Directions``: unit vectors in ``space`` ("z", or "w" for style generators), their
step size σ (the standard deviation of the latent's projection on each, so α = ±3 means ±3σ), a score
(SeFa's eigenvalue, GANSpace's explained-variance ratio, the boundary's training accuracy) and labels.
``edit`` moves a latent along one of them; for w, only the ws rows asked for (GANSpace's layer-wise edit).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from explorer.models import AffineLatentInput, StyleGenerator
from explorer.models.hooks import thread_pre_hooks

SPACES = ("z", "w")
SIGMA_SAMPLES = 4096  # latents used to measure σ along a direction


@dataclass
class Directions:
    """``vectors`` (k, d) of unit norm in ``space``; ``sigmas`` (k,); ``scores`` (k,); ``labels`` k strings."""

    method: str
    space: str
    vectors: torch.Tensor
    sigmas: torch.Tensor
    scores: torch.Tensor
    labels: list[str]
    score_name: str

    def __len__(self) -> int:
        return self.vectors.shape[0]

    def arrays(self) -> dict:
        """As arrays for the derived cache (``explorer.cache``)."""
        return {"vectors": self.vectors.numpy(), "sigmas": self.sigmas.numpy(), "scores": self.scores.numpy()}


def space_of(model: torch.nn.Module) -> str:
    """w for a style generator (its directions live after the mapping), z otherwise."""
    return "w" if isinstance(model, StyleGenerator) else "z"


DIRECTED = (StyleGenerator, AffineLatentInput)  # the capabilities a generator needs for this module: either one


def check_supported(model: torch.nn.Module) -> None:
    if not isinstance(model, DIRECTED):
        raise ValueError(
            f"directions are found for StyleGAN generators and generators whose z enters through an affine layer "
            f"(DCGAN); {type(model).__name__} is neither (BigGAN's classes and the VAE's plane have their own tabs)"
        )


@torch.no_grad()
def sample_w(model: StyleGenerator, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` w = mapping(z) (n, d), one per seed seed … seed + n − 1, without truncation."""
    z = model.sample_latent(n, seed).to(model.w_avg.device)
    return model.mapping(z)[:, 0]


@torch.no_grad()
def latents(model: torch.nn.Module, n: int, seed: int = 0) -> torch.Tensor:
    """``n`` latents in the model's direction space: z, or w for a style generator."""
    if space_of(model) == "w":
        return sample_w(model, n, seed).cpu()
    return model.sample_latent(n, seed)


# --- SeFa ------------------------------------------------------------------------------------------------


def style_modules(model: StyleGenerator) -> list[tuple[int, torch.nn.Module]]:
    """(ws row, affine module) of every style input: found by running synthesis once with row r filled with
    the value r + 1 and recording what each affine layer (``affine`` / ``modulation``) receives."""
    found: list[tuple[int, torch.nn.Module]] = []
    affines = [module for name, module in model.named_modules() if name.rsplit(".", 1)[-1] in ("affine", "modulation")]
    if not affines:
        raise ValueError(f"{type(model).__name__} has no affine style layers named 'affine' or 'modulation'")

    def record(module, inputs):
        found.append((int(round(float(inputs[0].flatten()[0]))) - 1, module))

    d = model.w_avg.numel()
    rows = torch.arange(1, model.num_ws + 1, dtype=torch.float32, device=model.w_avg.device)
    with thread_pre_hooks(affines, record), torch.no_grad():
        model.synthesis(rows.view(1, -1, 1).expand(1, -1, d).contiguous(), noise_mode="none")
    return found


@torch.no_grad()
def affine_matrix(f: Callable[[torch.Tensor], torch.Tensor], d: int, device) -> torch.Tensor:
    """A (F, d) of an affine map f(x) = A·x + b, read off from f on the basis vectors (exact for affine f)."""
    basis = torch.cat([torch.zeros(1, d, device=device), torch.eye(d, device=device)])
    values = f(basis).flatten(1)
    return (values[1:] - values[:1]).T.cpu().double()


def projection(model: torch.nn.Module, rows: Sequence[int] | None = None) -> torch.Tensor:
    """A of the first affine operation on the latent: a DCGAN's 1×1 → 4×4 transposed convolution (on z),
    or a style generator's affine style layers of the ws ``rows`` (all by default), stacked (on w)."""
    check_supported(model)
    device = next(model.parameters()).device
    if isinstance(model, StyleGenerator):
        chosen = set(range(model.num_ws) if rows is None else rows)
        modules = [m for row, m in style_modules(model) if row in chosen]
        if not modules:
            raise ValueError(f"no style layer reads ws rows {sorted(chosen)}")
        d = model.w_avg.numel()
        return torch.cat([affine_matrix(m, d, device) for m in modules])
    return affine_matrix(model.latent_layer(), model.latent_dim, device)


def sefa(model: torch.nn.Module, k: int = 10, rows: Sequence[int] | None = None) -> Directions:
    """The top-``k`` eigenvectors of AᵀA (``projection``), largest eigenvalue first."""
    a = projection(model, rows)
    eigenvalues, eigenvectors = torch.linalg.eigh(a.T @ a)  # ascending
    order = eigenvalues.argsort(descending=True)[:k]
    vectors = eigenvectors[:, order].T.float().contiguous()
    return Directions(
        "SeFa",
        space_of(model),
        vectors,
        sigma_along(model, vectors),
        eigenvalues[order].float(),
        [f"SeFa {i}" for i in range(len(order))],
        "eigenvalue of AᵀA",
    )


# --- GANSpace ----------------------------------------------------------------------------------------------


def pca(features: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(mean, components (k, F) orthonormal, variances (k,), explained-variance ratios (k,)) of ``features``."""
    features = features.double()
    mean = features.mean(0)
    centred = features - mean
    if features.shape[1] <= 2048:  # exact: eigenvectors of the covariance
        covariance = centred.T @ centred / (len(features) - 1)
        values, vectors = torch.linalg.eigh(covariance)
        order = values.argsort(descending=True)[:k]
        components, variances = vectors[:, order].T, values[order]
        total = values.clamp_min(0).sum()
    else:  # wide features (a DCGAN's 8 192 activations): randomised SVD, the top k only
        _, s, v = torch.svd_lowrank(centred, q=min(k + 10, min(centred.shape)), niter=4)
        components, variances = v[:, :k].T, s[:k].square() / (len(features) - 1)
        total = centred.square().sum() / (len(features) - 1)
    return mean, components, variances, variances / total


@torch.no_grad()
def ganspace(
    model: torch.nn.Module,
    n: int = 10_000,
    k: int = 10,
    seed: int = 0,
    features: Callable[[torch.Tensor], torch.Tensor] | None = None,
) -> Directions:
    """PCA of w (style generators) or of ``features(z)`` (default: a DCGAN's first block) over ``n`` samples.

    In z space the components are carried back by regression (GANSpace §3.1): U = argmin Σ‖U·x_i − z_i‖² over
    the PCA coordinates x_i, and the direction of component j is U's column j (normalised; σ is then the
    spread of that direction's projection)."""
    if n < 2 * k:
        raise ValueError(f"GANSpace needs at least {2 * k} samples for {k} components, got {n}")
    if features is None:
        check_supported(model)
    space = "z" if features is not None else space_of(model)
    if space == "w":
        w = sample_w(model, n, seed).cpu()
        _, components, _, ratios = pca(w, k)
        vectors = components.float()
    else:
        z = (
            model.sample_latent(n, seed)
            if features is None
            else torch.randn(n, model.latent_dim, generator=torch.Generator().manual_seed(seed))
        )
        device = next(model.parameters()).device if features is None else z.device
        f = features or model.first_block()
        y = torch.cat([f(batch.to(device)).cpu() for batch in z.split(2000)])
        mean, components, _, ratios = pca(y, k)
        x = (y.double() - mean) @ components.T  # PCA coordinates (n, k)
        u = torch.linalg.lstsq(x, z.double()).solution  # (k, d): z ≈ x·U
        vectors = torch.nn.functional.normalize(u, dim=1).float()
    return Directions(
        "GANSpace",
        space,
        vectors,
        sigma_along(model, vectors, space=space) if features is None else torch.ones(len(vectors)),
        ratios.float(),
        [f"PC {i}" for i in range(len(vectors))],
        "explained variance ratio",
    )


# --- supervised ---------------------------------------------------------------------------------------------


def logistic_boundary(
    x: torch.Tensor, y: torch.Tensor, l2: float = 1e-2, steps: int = 200
) -> tuple[torch.Tensor, float]:
    """The unit normal of an L2-regularised logistic-regression boundary between y = 1 and y = 0 rows of x
    (LBFGS), and its training accuracy."""
    if y.min() == y.max():
        raise ValueError("the labels are all the same: give examples with and without the attribute")
    x, y = x.double(), y.double()
    mean, scale = x.mean(0), x.std(0).clamp_min(1e-6)
    xs = (x - mean) / scale
    weight = torch.zeros(x.shape[1], dtype=torch.float64, requires_grad=True)
    bias = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS([weight, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        optimiser.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(xs @ weight + bias, y) + l2 * weight.square().sum()
        loss.backward()
        return loss

    with torch.enable_grad():
        optimiser.step(closure)
    normal = (weight.detach() / scale).float()  # back to the latent's own coordinates
    accuracy = float((((xs @ weight.detach() + bias.detach()) > 0).double() == y).double().mean())
    return torch.nn.functional.normalize(normal, dim=0), accuracy


def project_out(direction: torch.Tensor, other: torch.Tensor) -> torch.Tensor:
    """``direction`` made orthogonal to ``other`` (InterFaceGAN's conditional manipulation), unit norm."""
    other = torch.nn.functional.normalize(other, dim=0)
    return torch.nn.functional.normalize(direction - (direction @ other) * other, dim=0)


@torch.no_grad()
def classifier_direction(
    model: torch.nn.Module,
    classifier: torch.nn.Module,
    target: int,
    n: int = 2000,
    seed: int = 0,
    condition: int | None = None,
) -> Directions:
    """The normal of the boundary "the classifier calls it class ``target``" in the model's latent (z or w), over
    ``n`` samples; with ``condition``, the normal of that class's boundary is projected out."""
    check_supported(model)
    device = next(model.parameters()).device
    codes = latents(model, n, seed)
    with torch.no_grad():
        probabilities = torch.cat(
            [torch.softmax(classifier(render(model, c.to(device))), 1).cpu() for c in codes.split(500)]
        )
    predicted = probabilities.argmax(1)
    direction, accuracy = logistic_boundary(codes, (predicted == target).float())
    label = f"class {target}"
    if condition is not None:
        other, _ = logistic_boundary(codes, (predicted == condition).float())
        direction = project_out(direction, other)
        label += f" ⟂ class {condition}"
    vectors = direction[None]
    return Directions(
        "classifier",
        space_of(model),
        vectors,
        sigma_along(model, vectors),
        torch.tensor([accuracy]),
        [label],
        "boundary's training accuracy",
    )


def labelled_direction(model: torch.nn.Module, positive: Sequence[int], negative: Sequence[int]) -> Directions:
    """DCGAN Fig. 8's attribute vector: mean latent of the seeds a person marked "has it" minus the mean of those
    marked "does not" (a few clicks in a seed grid), as a unit vector. Its score: the share of the marked seeds on
    the right side of the midpoint between the two means."""
    check_supported(model)
    if len(positive) < 2 or len(negative) < 2:
        raise ValueError("mark at least 2 seeds with the attribute and 2 without")
    if set(positive) & set(negative):
        raise ValueError(f"seeds {sorted(set(positive) & set(negative))} are marked both with and without")
    with_it = torch.cat([latents(model, 1, s) for s in positive])
    without = torch.cat([latents(model, 1, s) for s in negative])
    difference = with_it.mean(0) - without.mean(0)
    direction = torch.nn.functional.normalize(difference, dim=0)
    middle = float((with_it.mean(0) + without.mean(0)) @ direction) / 2
    right = int(((with_it @ direction) > middle).sum() + ((without @ direction) <= middle).sum())
    vectors = direction[None]
    return Directions(
        "labels",
        space_of(model),
        vectors,
        sigma_along(model, vectors),
        torch.tensor([right / (len(positive) + len(negative))]),
        [f"mean of {len(positive)} with − mean of {len(negative)} without"],
        "share of marked seeds separated",
    )


# --- using them ---------------------------------------------------------------------------------------------


def sigma_along(model: torch.nn.Module, vectors: torch.Tensor, space: str | None = None) -> torch.Tensor:
    """The standard deviation of the latent's projection on each unit vector (1 for every z direction)."""
    if (space or space_of(model)) == "z":
        return torch.ones(len(vectors))
    w = sample_w(model, SIGMA_SAMPLES, seed=10_000).cpu()
    return (w @ vectors.T).std(0)


def render(model: torch.nn.Module, code: torch.Tensor, rows: Sequence[int] | None = None, delta=None) -> torch.Tensor:
    """Images of latents ``code`` (z, or w for a style generator), with ``delta`` (n, d) added to the w of
    ``rows`` only (all rows by default; GANSpace's layer-wise edit) or to z. Differentiable (inversion uses it):
    callers that only look wrap it in ``torch.no_grad``."""
    if space_of(model) == "z":
        return model.generate(code if delta is None else code + delta.to(code))
    ws = code[:, None, :].repeat(1, model.num_ws, 1)
    if delta is not None:
        chosen = list(range(model.num_ws)) if rows is None else list(rows)
        ws[:, chosen] += delta.to(ws)[:, None, :]
    return model.synthesis(ws, noise_mode="const")


@torch.no_grad()
def edit(
    model: torch.nn.Module, code: torch.Tensor, directions: Directions, index: int, alpha, rows=None
) -> torch.Tensor:
    """Images of ``code`` moved by α·σ along direction ``index``, one per α (``alpha`` a number or a list)."""
    if not 0 <= index < len(directions):
        raise ValueError(f"direction {index} does not exist; there are {len(directions)}")
    alphas = torch.as_tensor(alpha, dtype=torch.float32).reshape(-1, 1)
    step = alphas * directions.sigmas[index] * directions.vectors[index]
    return render(model, code.expand(len(alphas), -1), rows, step)
