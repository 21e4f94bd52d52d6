"""Second derivatives: each activation's curvature; Newton's method on Hessian-vector products.

``mg.grad(..., create_graph=True)`` returns a gradient that is itself in the
graph, so it can be differentiated again. Two uses:

1. The curvature f'' of each activation beside its slope f'. Where f' is
   largest (the centre of a sigmoid or tanh), f'' is 0; it is largest off
   centre, where the slope changes fastest. A ReLU's f'' is 0 everywhere
   (its f' is a step), so a ReLU network is piecewise linear: its Hessian
   with respect to its input is exactly 0.
2. Newton's method on a logistic regression, each step solving H p = -g by
   conjugate gradients, which needs only Hessian-vector products
   (``mg.hvp``: one double-backward pass each, the Hessian is never formed),
   against gradient descent, counting the steps to a tolerance.

Run: python -m demos.second_derivatives [--quick] [--seed N] [--out DIR]
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

import minigrad as mg
from demos.common import Result, main_for
from minigrad.nn import functional as F

TITLE = "Second derivatives: curvature, and Newton's method with Hessian-vector products"
CLAIM = (
    "The second derivative of sigmoid and tanh is 0 at the centre, where the slope is "
    "largest, and peaks off centre (sigmoid'' at x = ±ln(2 + √3) ≈ ±1.317, tanh'' at "
    "half that); ReLU'' is 0 everywhere, so a ReLU network is piecewise linear in its "
    "input. Newton's method, using curvature, converges quadratically near a minimum and "
    "needs far fewer steps than gradient descent; Hessian-vector products (Pearlmutter "
    "1994) make it affordable without forming the Hessian, as in Hessian-free "
    "optimisation (Martens 2010)."
)

# Okabe-Ito colours (readable with every common colour-vision deficiency)
BLUE, VERMILLION, GREY, GREEN = "#0072B2", "#D55E00", "#999999", "#009E73"
TOLERANCE = 1e-8  # "converged": gradient norm below this


# ------------------------------------------------------- 1. activation curvature


def slope_and_curvature(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f'(x) and f''(x) of a registered activation, elementwise, by differentiating twice."""
    xt = mg.Tensor(x, requires_grad=True)
    y = mg.activations.get(name)(xt)
    (d1,) = mg.grad(y.sum(), xt, create_graph=True)  # f'(x), itself in the graph
    (d2,) = mg.grad(d1.sum(), xt, allow_unused=True)  # None: f' does not depend on x
    return d1.data, np.zeros_like(x) if d2 is None else d2.data


def elementwise_activations() -> list[str]:
    names = mg.activations.names()
    return [n for n in names if mg.activations.get(n).derivative is not None]


def measure_curvature(result: Result, x: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    curves = {name: slope_and_curvature(name, x) for name in elementwise_activations()}
    peaks = {}
    for name, (_, d2) in curves.items():
        peaks[name] = float(x[np.argmax(np.abs(d2))]) if np.any(d2) else None
    result.report("curvature_peak_x", peaks, "x where |f''| is largest (None: f'' is 0)")
    result.report(
        "max_abs_second_derivative",
        {name: float(np.abs(d2).max()) for name, (_, d2) in curves.items()},
        "largest |f''| on the grid",
    )
    # f'' checked against central differences of f' (the gradient of the gradient).
    h = 1e-5
    errors = {}
    for name, (_, d2) in curves.items():
        above, below = slope_and_curvature(name, x + h)[0], slope_and_curvature(name, x - h)[0]
        away = np.abs(x) > 1e-3  # ReLU-like kinks at 0: differences straddle the step
        errors[name] = float(np.abs(d2 - (above - below) / (2 * h))[away].max())
    result.report("finite_difference_error", errors, "max |f'' - central difference of f'|")
    sig, tanh = peaks["sigmoid"], peaks["tanh"]
    result.note(
        f"|sigmoid''| peaks at x = {sig:+.3f} and |tanh''| at x = {tanh:+.3f} (the grid "
        "holds both signs: the curves are odd, with equal peaks at ± those points), "
        f"against ±{np.log(2 + np.sqrt(3)):.3f} and ±{np.log(2 + np.sqrt(3)) / 2:.3f} "
        "in theory, and f'' is 0 at the centre, where f' peaks. ReLU's largest |f''| is "
        f"{result.numbers['max_abs_second_derivative']['relu']:g}: exactly 0 everywhere."
    )
    return curves


def measure_piecewise_linear(result: Result, rng: np.random.Generator) -> None:
    """The Hessian of a small network's output with respect to its input."""
    hessians = {}
    for activation in ("relu", "tanh"):
        model = mg.nn.MLP([3, 16, 16, 1], activation=activation, rng=rng)
        x = mg.Tensor(rng.standard_normal(3))
        hessian = mg.hessian(lambda x, model=model: model(x).sum(), x)
        hessians[activation] = float(np.abs(hessian).max())
    result.report(
        "network_input_hessian_max", hessians, "largest |d2 out / dx2| of a 3-16-16-1 MLP"
    )
    result.note(
        f"The Hessian of a ReLU MLP's output with respect to its input is "
        f"{hessians['relu']:g} in every entry (piecewise linear), that of the same MLP "
        f"with tanh up to {hessians['tanh']:.3g}."
    )


# ---------------------------------------------------- 2. Newton against descent


def logistic_data(n: int, d: int, rng: np.random.Generator):
    """Features on scales from 1 to 10 (an ill-conditioned problem, as raw features
    often are) and labels drawn from a logistic model, so the classes overlap."""
    X = rng.standard_normal((n, d)) * np.geomspace(1, 10, d)
    w_true = rng.standard_normal(d) / np.geomspace(1, 10, d)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-X @ w_true))).astype(float)
    return X, y


def make_loss(X: np.ndarray, y: np.ndarray, lam: float):
    Xt, yt = mg.Tensor(X), mg.Tensor(y)

    def loss(w: mg.Tensor) -> mg.Tensor:
        return F.binary_cross_entropy_with_logits(Xt @ w, yt) + 0.5 * lam * (w * w).sum()

    return loss


def gradient(loss, w: np.ndarray) -> tuple[float, np.ndarray]:
    wt = mg.Tensor(w, requires_grad=True)
    value = loss(wt)
    (g,) = mg.grad(value, wt)
    return value.item(), g.data


def gradient_descent(loss, w0, lr, max_steps):
    """Plain gradient descent; returns the gradient norms and the steps to TOLERANCE."""
    w, norms = w0.copy(), []
    for step in range(max_steps + 1):
        _, g = gradient(loss, w)
        norms.append(float(np.linalg.norm(g)))
        if norms[-1] < TOLERANCE:
            return norms, step
        w -= lr * g
    return norms, None


def conjugate_gradient(hvp, b: np.ndarray, iters: int, tol: float) -> tuple[np.ndarray, int]:
    """Solve H p = b using only products H v. Returns p and the products used."""
    p, r = np.zeros_like(b), b.copy()
    d, rr = r.copy(), r @ r
    for k in range(iters):
        hd = hvp(d)
        alpha = rr / (d @ hd)
        p += alpha * d
        r -= alpha * hd
        rr_new = r @ r
        if np.sqrt(rr_new) < tol:
            return p, k + 1
        d = r + (rr_new / rr) * d
        rr = rr_new
    return p, iters


def newton_cg(loss, w0, max_steps, cg_iters):
    """Newton's method: each step solves H p = -g by conjugate gradients on mg.hvp."""
    w, norms, products = w0.copy(), [], 0
    for step in range(max_steps + 1):
        _, g = gradient(loss, w)
        norms.append(float(np.linalg.norm(g)))
        if norms[-1] < TOLERANCE:
            return norms, step, products
        here = mg.Tensor(w.copy())
        p, used = conjugate_gradient(
            lambda v, here=here: mg.hvp(loss, here, v),
            -g,
            cg_iters,
            tol=0.1 * min(1.0, norms[-1]) ** 2,
        )
        products += used
        w += p
    return norms, None, products


def measure_optimisers(result: Result, n: int, d: int, max_steps: int, rng) -> dict:
    X, y = logistic_data(n, d, rng)
    lam = 1e-2
    loss = make_loss(X, y, lam)
    w0 = np.zeros(d)
    # Gradient descent at 1/L, L the largest curvature anywhere (sigma(1 - sigma) <= 1/4):
    # the largest step that is safe for this loss.
    smoothness = np.linalg.eigvalsh(X.T @ X / n).max() / 4 + lam
    hessian = mg.hessian(loss, mg.Tensor(w0))
    condition = float(np.linalg.cond(hessian))
    gd_norms, gd_steps = gradient_descent(loss, w0, 1 / smoothness, max_steps)
    nt_norms, nt_steps, products = newton_cg(loss, w0, max_steps=50, cg_iters=d)
    result.report("hessian_condition_number", condition, "condition number of the Hessian at 0")
    result.report(
        "gd_steps", gd_steps, f"gradient descent steps to |grad| < {TOLERANCE:g} (lr = 1/L)"
    )
    result.report("newton_steps", nt_steps, f"Newton-CG steps to |grad| < {TOLERANCE:g}")
    result.report("newton_hvp_products", products, "Hessian-vector products Newton-CG used")
    gd_text = f"{gd_steps:,}" if gd_steps is not None else f"more than {max_steps:,}"
    result.note(
        f"On a logistic regression with {n} examples and {d} features (Hessian condition "
        f"number {condition:.0f}), gradient descent at its safe step 1/L needed {gd_text} "
        f"steps to bring the gradient norm below {TOLERANCE:g}; Newton's method needed "
        f"{nt_steps} steps, using {products} Hessian-vector products in all (each one "
        "double-backward pass), without ever forming the Hessian. Near the minimum each "
        "Newton step roughly squares the gradient norm."
    )
    return {"gd": gd_norms, "newton": nt_norms, "products": products, "d": d}


# ------------------------------------------------------------------ figures


def plot_curvature(result: Result, x: np.ndarray, curves: dict) -> None:
    import matplotlib.pyplot as plt

    names = list(curves)
    cols = 4
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(16, 3.6 * rows), layout="constrained")
    for ax, name in zip(axes.flat, names, strict=False):
        d1, d2 = curves[name]
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(0, color=GREY, lw=0.6, ls=":")
        ax.plot(x, d1, color=BLUE, lw=2, label="f'  (slope)")
        ax.plot(x, d2, color=VERMILLION, lw=2, ls="--", label="f''  (curvature)")
        peak = int(np.argmax(np.abs(d2)))
        odd = np.allclose(d2, -d2[::-1], atol=1e-12)  # sigmoid, tanh: peaks at +-x
        if not np.any(d2):
            ax.set_title(f"{name}: f'' = 0 everywhere")
        elif odd:
            ax.plot(x[[peak, -1 - peak]], d2[[peak, -1 - peak]], "o", color=VERMILLION, ms=6)
            ax.set_title(f"{name}: f''(0) = 0, |f''| peaks at x = ±{abs(x[peak]):.2f}")
        else:
            ax.plot(x[peak], d2[peak], "o", color=VERMILLION, ms=6)
            where = "the centre" if abs(x[peak]) < 0.05 else f"x = {x[peak]:.2f}"
            ax.set_title(f"{name}: |f''| peaks at {where}")
        ax.set_xlabel("x")
        ax.legend(fontsize=8, loc="upper left")
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    fig.suptitle("Each activation's slope f' and curvature f'', both from mg.grad")
    result.figure(
        fig,
        "second_derivatives_activations.png",
        "Blue: the slope f'(x); vermillion, dashed: the curvature f''(x), computed by "
        "differentiating f' again (create_graph=True). Sigmoid's and tanh's curvature "
        "is 0 at the centre, where their slope peaks, and largest off centre (dots). "
        "ReLU's f' is a step and its f'' is 0 everywhere; leaky ReLU's likewise. Smooth "
        "activations (softplus, ELU's negative side, GELU, SiLU) curve.",
    )


def plot_optimisers(result: Result, runs: dict) -> None:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6), layout="constrained")
    gd, newton = np.array(runs["gd"]), np.array(runs["newton"])
    for ax, zoom in zip(axes, (False, True), strict=True):
        shown = gd[: len(newton) + 10] if zoom else gd
        ax.semilogy(np.arange(len(shown)), shown, color=BLUE, lw=2, label="gradient descent")
        ax.semilogy(np.arange(len(newton)), newton, "o-", color=VERMILLION, lw=2, label="Newton-CG")
        ax.axhline(TOLERANCE, color="black", ls=":", lw=1, label=f"tolerance {TOLERANCE:g}")
        ax.set_xlabel("step")
        ax.set_ylabel("gradient norm |g|")
        ax.legend(fontsize=9)
    converged = gd[-1] < TOLERANCE
    axes[0].set_title(
        f"All steps: gradient descent needs {len(gd) - 1:,}"
        if converged
        else f"All steps: gradient descent is not there after {len(gd) - 1:,}"
    )
    axes[1].set_title(f"The first {len(newton) + 9} steps: Newton needs {len(newton) - 1}")
    fig.suptitle("Logistic regression: Newton's method (Hessian-vector products) against descent")
    result.figure(
        fig,
        "second_derivatives_newton.png",
        "Gradient norm per step, log scale. Gradient descent (step 1/L) shrinks the "
        "gradient by a constant factor per step, slowly when the problem is "
        "ill-conditioned; Newton's method, solving H p = -g by conjugate gradients on "
        f"mg.hvp ({runs['products']} products in all), converges in a few steps, "
        "the last ones quadratically.",
    )


# ---------------------------------------------------------------------- run


def run(quick: bool = False, seed: int = 0, out: Path = Path("demo-output")) -> Result:
    result = Result("second_derivatives", TITLE, CLAIM, out)
    mg.manual_seed(seed)
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    points = 400 if quick else 1200  # an even count: the grid skips x = 0, ReLU's kink
    n, d = (200, 6) if quick else (500, 10)
    max_steps = 20_000 if quick else 100_000
    print(f"{TITLE}: {points} grid points, logistic regression on {n} x {d}")

    x = np.linspace(-6, 6, points)
    curves = measure_curvature(result, x)
    measure_piecewise_linear(result, rng)
    runs = measure_optimisers(result, n, d, max_steps, rng)

    plot_curvature(result, x, curves)
    plot_optimisers(result, runs)
    result.report("seconds", time.perf_counter() - start, "time (s)")
    return result


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0])
