"""Wall time of the VAE tab's *Inside q(z|x)* computations on the committed 2-D VAE, CPU.

    python bench/vae.py [--repeats 5]

Prints the median over ``repeats`` of: the true posterior on a 64×64 grid alone (the issue's measure), the
section's posterior (a 61² window around q plus a 41² grid over the plane, with log p(x) by quadrature), IWAE with
K = 1 000, the E-step (60 Adam steps, 8 draws each), the gradient estimators (100 × 8 draws) and the whole view;
then the *Autoencoder vs VAE* and *β and the likelihood* views (their first draw, once the test codes are cached).
log p(x|z) on many z: float32 logits, log p = Σ t·l − softplus(l) with the first sum a matrix-vector product and
the sums in float64, 512 latents per decoder call (was: BCE in float64, 128 per call: 361 ms on the 64² grid). On a
grid that does not depend on the image (the plane's), the decoder's logits and Σ softplus are kept per model, so
each further image costs one matrix-vector product (the second 64² row; the section's coarse 41² plane grid).
Goal (issue #18): the 64×64 posterior and IWAE with K = 1 000 each under 300 ms on 2 cores. The load average is
printed: other processes on the cores slow torch's parallel operations a lot.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository root

import torch  # noqa: E402

from explorer import vae_theory  # noqa: E402
from explorer.ui.tabs.manifold import autoencoder, beta, posterior, shared  # noqa: E402
from explorer.zoo import Zoo  # noqa: E402

VAE = "vae2d-fashion-mnist"


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    zoo = Zoo(device="cpu")
    model = zoo.load(VAE)
    x, _ = shared.chosen_image(zoo, VAE, "test image", 1)
    with torch.no_grad():
        mu, logvar = (t[0] for t in model.encode(x))
    sigma = (0.5 * logvar).exp()
    axis = torch.linspace(-4, 4, 64)
    post = vae_theory.posterior_grid(model, x, mu.numpy(), max(6 * float(sigma.max()), 0.3))
    rows = {
        "posterior, 64×64 grid over the plane, decoded for each image": lambda: vae_theory._log_joint_on(
            model, x, axis, axis
        ),
        "posterior, 64×64 grid over the plane, decoder outputs reused": lambda: vae_theory._log_joint_on(
            model, x, axis, axis, fixed=True
        ),
        "posterior as shown (61² window + 41² plane) and log p(x)": lambda: vae_theory.posterior_grid(
            model, x, mu.numpy(), max(6 * float(sigma.max()), 0.3)
        ),
        "IWAE, K = 1 000": lambda: vae_theory.bounds(model, x, mu, logvar, post.log_px, k=1000),
        "E-step (60 Adam steps × 8 draws)": lambda: vae_theory.optimise_q(model, x, mu, logvar),
        "gradient estimators (100 × 8 draws)": lambda: vae_theory.gradient_estimates(model, x, mu, logvar, 8, 100),
        "the whole view (test image 1, K = 64)": lambda: posterior.inside(zoo, VAE, "test image", 1, 64, 0),
    }
    if "ae2d-fashion-mnist" in zoo.names() and "vae2d-small-fashion-mnist" in zoo.names():
        pair = ("ae2d-fashion-mnist", "vae2d-small-fashion-mnist")
        rows["Autoencoder vs VAE view"] = lambda: autoencoder.ae_vs_vae(zoo, *pair, 0)
        variants = shared.variant_names(zoo)
        rows[f"β and the likelihood view ({len(variants)} VAEs)"] = lambda: beta.compare_variants(zoo, variants)
        rows["VAE vs GAN sharpness view"] = lambda: beta.vae_vs_gan(zoo, pair[1], "dcgan-fashion-mnist", 0)
    print(f"load average {os.getloadavg()[0]:.2f}, torch threads {torch.get_num_threads()}")
    for name, fn in rows.items():
        print(f"{name:<58} {timed(fn, args.repeats):8.1f} ms")


if __name__ == "__main__":
    main()
