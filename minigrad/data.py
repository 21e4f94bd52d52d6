"""Small toy data sets and helpers for training minigrad models.

Every generator takes a ``seed`` and builds its own ``np.random.default_rng(seed)``, so the
same call always returns the same data and never disturbs NumPy's global random state.
Generators return ``(X, y)`` with ``X`` as float64 of shape ``(n, features)`` and ``y`` as
int64 class labels. Points come out grouped by class (not shuffled); use :func:`batches`
with ``shuffle=True`` to mix them while training.
"""

import math
import numbers
from collections.abc import Iterator

import numpy as np
from numpy.typing import ArrayLike

from . import validation

__all__ = ["accuracy", "batches", "blobs", "circles", "digits", "moons", "spiral", "xor"]


# ---------------------------------------------------------------------------
# Argument checks. Learners will call these functions with wrong values, so the
# messages say which function, which argument, what was expected and what arrived.
# ---------------------------------------------------------------------------


def _check_int(func: str, name: str, value: object, minimum: int) -> int:
    # bool is a subclass of int, but xor(n=True) is surely a mistake.
    is_integer = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not is_integer or value < minimum:
        raise ValueError(f"{func}(): {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_nonnegative(func: str, name: str, value: object) -> float:
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    # `not value >= 0` also rejects NaN, which would silently poison every point.
    if not is_number or not value >= 0 or math.isinf(value):
        raise ValueError(f"{func}(): {name} must be a finite number >= 0, got {value!r}")
    return float(value)


def _split_evenly(n: int, parts: int) -> np.ndarray:
    """Counts that add up to n, as equal as possible; the first parts get the remainder."""
    counts = np.full(parts, n // parts, dtype=np.int64)
    counts[: n % parts] += 1
    return counts


# ---------------------------------------------------------------------------
# Two-dimensional toy problems
# ---------------------------------------------------------------------------


def xor(
    n: int | None = None, noise: float = 0.0, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: label 1 when exactly one coordinate is 1.

    With the defaults this returns exactly the four corners ``[[0,0],[0,1],[1,0],[1,1]]`` with
    labels ``[0,1,1,0]``. Given ``n``, it returns ``n`` points spread over the four corners
    (``n // 4`` each, the first ``n % 4`` corners get one extra), jittered by Gaussian noise
    with standard deviation ``noise``.
    """
    n = 4 if n is None else _check_int("xor", "n", n, 1)
    noise = _check_nonnegative("xor", "noise", noise)
    rng = np.random.default_rng(seed)

    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    corner_labels = np.array([0, 1, 1, 0], dtype=np.int64)
    counts = _split_evenly(n, 4)

    X = np.repeat(corners, counts, axis=0) + noise * rng.standard_normal((n, 2))
    y = np.repeat(corner_labels, counts)
    return X, y


def moons(n: int = 200, noise: float = 0.1, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, like scikit-learn's ``make_moons``.

    The outer moon (label 0) is the upper half of the unit circle and holds ``n // 2`` points;
    the inner moon (label 1) is the lower half of a unit circle centred at ``(1, 0.5)`` and holds
    the remaining ``n - n // 2``. Gaussian noise with standard deviation ``noise`` is added.
    """
    n = _check_int("moons", "n", n, 1)
    noise = _check_nonnegative("moons", "noise", noise)
    rng = np.random.default_rng(seed)

    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n_inner)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = np.stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)], axis=1)

    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n_outer, dtype=np.int64), np.ones(n_inner, dtype=np.int64)])
    return X, y


def circles(
    n: int = 200, noise: float = 0.05, seed: int | None = 0, factor: float = 0.5
) -> tuple[np.ndarray, np.ndarray]:
    """Two concentric circles: radius 1 (label 0) and radius ``factor`` (label 1).

    The outer circle holds ``n // 2`` points and the inner one the remaining ``n - n // 2``,
    evenly spaced in angle, plus Gaussian noise with standard deviation ``noise``.
    No straight line separates the classes, which is the point of this data set.
    """
    n = _check_int("circles", "n", n, 1)
    noise = _check_nonnegative("circles", "noise", noise)
    is_number = isinstance(factor, numbers.Real) and not isinstance(factor, bool)
    if not is_number or not 0 < factor < 1:
        raise ValueError(f"circles(): factor must be a number with 0 < factor < 1, got {factor!r}")
    rng = np.random.default_rng(seed)

    n_outer = n // 2
    n_inner = n - n_outer
    # endpoint=False so the first and last point of a circle do not land on the same spot.
    t_outer = np.linspace(0.0, 2.0 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2.0 * np.pi, n_inner, endpoint=False)
    outer = np.stack([np.cos(t_outer), np.sin(t_outer)], axis=1)
    inner = factor * np.stack([np.cos(t_inner), np.sin(t_inner)], axis=1)

    X = np.concatenate([outer, inner]) + noise * rng.standard_normal((n, 2))
    y = np.concatenate([np.zeros(n_outer, dtype=np.int64), np.ones(n_inner, dtype=np.int64)])
    return X, y


def spiral(
    n_per_class: int = 100, classes: int = 3, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The spiral data set from Stanford's CS231n course.

    Class ``j`` is one arm of a spiral: radius grows evenly from 0 to 1 while the angle runs
    from ``4j`` to ``4(j+1)`` radians with Gaussian jitter of 0.2. Returns
    ``n_per_class * classes`` points, each arm labelled with its class index.
    """
    n_per_class = _check_int("spiral", "n_per_class", n_per_class, 1)
    classes = _check_int("spiral", "classes", classes, 1)
    rng = np.random.default_rng(seed)

    X = np.zeros((n_per_class * classes, 2))
    y = np.zeros(n_per_class * classes, dtype=np.int64)
    for j in range(classes):
        rows = slice(n_per_class * j, n_per_class * (j + 1))
        r = np.linspace(0.0, 1.0, n_per_class)
        jitter = rng.standard_normal(n_per_class) * 0.2
        t = np.linspace(j * 4.0, (j + 1) * 4.0, n_per_class) + jitter
        X[rows] = np.stack([r * np.sin(t), r * np.cos(t)], axis=1)
        y[rows] = j
    return X, y


def blobs(
    n: int = 200,
    centers: int | ArrayLike = 2,
    std: float = 1.0,
    seed: int | None = 0,
    dim: int = 2,
    spread: float = 5.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs around some centres; each point is labelled with its centre's index.

    ``centers`` is either a number of centres, placed at random (with the seeded generator)
    uniformly in ``[-spread, spread] ** dim``, or an array of centre coordinates of shape
    ``(k, d)``, in which case ``dim`` and ``spread`` are ignored. The ``n`` points are shared
    out as evenly as possible; each is its centre plus Gaussian noise with deviation ``std``.
    """
    n = _check_int("blobs", "n", n, 1)
    std = _check_nonnegative("blobs", "std", std)
    rng = np.random.default_rng(seed)

    if isinstance(centers, numbers.Integral) and not isinstance(centers, bool):
        k = _check_int("blobs", "centers", centers, 1)
        dim = _check_int("blobs", "dim", dim, 1)
        spread = _check_nonnegative("blobs", "spread", spread)
        centre_points = rng.uniform(-spread, spread, size=(k, dim))
    else:
        centre_points = np.asarray(centers, dtype=np.float64)
        if centre_points.ndim != 2 or centre_points.shape[0] == 0 or centre_points.shape[1] == 0:
            raise ValueError(
                "blobs(): centers must be a positive integer or an array of shape (k, d) "
                f"with k, d >= 1, got an array of shape {centre_points.shape}"
            )
        k, dim = centre_points.shape

    counts = _split_evenly(n, k)
    y = np.repeat(np.arange(k, dtype=np.int64), counts)
    X = centre_points[y] + std * rng.standard_normal((n, dim))
    return X, y


# ---------------------------------------------------------------------------
# A real (small) data set
# ---------------------------------------------------------------------------


def digits(
    test_size: float = 0.25, seed: int | None = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 8x8 handwritten digits bundled with scikit-learn, split into train and test sets.

    Returns ``(X_train, y_train, X_test, y_test)``. ``X`` rows are the 64 pixels as float64
    scaled to ``[0, 1]``; ``y`` holds the digit 0-9 as int64. The split is stratified: each
    digit contributes about ``test_size`` of its images to the test set, chosen with
    ``np.random.default_rng(seed)``. Needs scikit-learn (no download: the data ships with it).
    """
    is_number = isinstance(test_size, numbers.Real) and not isinstance(test_size, bool)
    if not is_number or not 0 < test_size < 1:
        raise ValueError(
            f"digits(): test_size must be a number with 0 < test_size < 1, got {test_size!r}"
        )

    # Imported here so the rest of minigrad works without scikit-learn installed.
    try:
        from sklearn.datasets import load_digits
    except ImportError as err:
        raise ImportError(
            "mg.data.digits() needs scikit-learn: pip install scikit-learn "
            '(or pip install -e ".[demos]")'
        ) from err

    bunch = load_digits()
    # Pixel values are integers 0..16; dividing keeps inputs small, which helps training.
    X = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)

    # Stratify so every digit shows up in both sets in roughly its usual proportion.
    rng = np.random.default_rng(seed)
    test_parts = []
    train_parts = []
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_test = round(test_size * len(idx))
        test_parts.append(idx[:n_test])
        train_parts.append(idx[n_test:])
    # Shuffle again so the sets are not sorted by digit.
    train_idx = rng.permutation(np.concatenate(train_parts))
    test_idx = rng.permutation(np.concatenate(test_parts))
    return X[train_idx], y[train_idx], X[test_idx], y[test_idx]


# ---------------------------------------------------------------------------
# Training helpers
# ---------------------------------------------------------------------------


def batches(
    X: ArrayLike,
    y: ArrayLike,
    batch_size: int,
    shuffle: bool = True,
    rng: np.random.Generator | None = None,
    drop_last: bool = False,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` minibatches covering every example exactly once.

    One call is one epoch: call it again for the next epoch. With ``shuffle=True`` the order is
    drawn from ``rng`` (a fresh ``np.random.default_rng()`` if none is given; pass your own
    seeded generator for repeatable runs). The last batch is smaller when ``batch_size`` does
    not divide the number of examples; ``drop_last=True`` skips it (a batch of 3 after
    batches of 32 gives a noisy step that shows up in every per-step statistic).
    """
    X = np.asarray(X)
    y = np.asarray(y)
    batch_size = _check_int("batches", "batch_size", batch_size, 1)
    if len(X) != len(y):
        raise ValueError(
            f"batches(): X and y must have the same number of examples, got len(X)={len(X)} "
            f"and len(y)={len(y)}"
        )
    if shuffle and rng is None:
        rng = np.random.default_rng()
    order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
    # The checks above run now, at the call; only the slicing is deferred to the generator,
    # so a bad argument fails on the line that made the mistake, not at the first loop step.
    if drop_last:
        order = order[: len(order) - len(order) % batch_size]
    return _iterate_batches(X, y, order, batch_size)


def _iterate_batches(
    X: np.ndarray, y: np.ndarray, order: np.ndarray, batch_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, len(order), batch_size):
        idx = order[start : start + batch_size]
        yield X[idx], y[idx]


def accuracy(logits_or_scores: ArrayLike, labels: ArrayLike) -> float:
    """Fraction of examples classified correctly, as a Python float.

    * Multiclass: ``logits_or_scores`` of shape ``(N, C)`` with ``C > 1``; the prediction is the
      argmax over the last axis.
    * Binary: shape ``(N,)`` or ``(N, 1)``; the prediction is 1 where the score is > 0, else 0.
      Labels may use either ``{0, 1}`` or ``{-1, +1}``.

    Labels must have shape ``(N,)`` (a column ``(N, 1)`` is accepted too). Anything NumPy can
    convert works as input, including lists and minigrad Tensors.
    """
    scores = validation.real_array(
        getattr(logits_or_scores, "data", logits_or_scores), "accuracy()", "logits_or_scores"
    )
    targets = validation.real_array(getattr(labels, "data", labels), "accuracy()", "labels")

    binary = scores.ndim == 1 or (scores.ndim == 2 and scores.shape[1] == 1)
    if binary:
        predictions = (scores.reshape(-1) > 0).astype(np.int64)
    elif scores.ndim == 2:
        predictions = np.argmax(scores, axis=-1)
    else:
        raise ValueError(
            "accuracy(): logits_or_scores must have shape (N, C) for multiclass or (N,) / (N, 1) "
            f"for binary scores, got shape {scores.shape}"
        )

    # A column of labels is a common leftover from (N, 1) model outputs; accept it.
    flat_targets = targets.reshape(-1) if targets.ndim == 2 and targets.shape[1] == 1 else targets
    if flat_targets.shape != predictions.shape:
        raise ValueError(
            f"accuracy(): labels shape {targets.shape} does not match logits_or_scores shape "
            f"{scores.shape}; expected labels of shape ({predictions.shape[0]},)"
        )
    if predictions.size == 0:
        raise ValueError("accuracy(): got zero examples, so accuracy is undefined")

    if binary:
        if not np.isin(flat_targets, (-1, 0, 1)).all():
            raise ValueError(
                "accuracy(): binary scores need labels in {0, 1} or {-1, +1}, got values "
                f"{np.unique(flat_targets).tolist()}"
            )
        flat_targets = np.where(flat_targets == -1, 0, flat_targets)
    return float(np.mean(predictions == flat_targets))
