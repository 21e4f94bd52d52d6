"""Tests for minigrad.data: toy generators, the digits split, batching and accuracy."""

import re
import sys

import numpy as np
import pytest

from minigrad import data

DIGITS_TOTAL = 1797

# (name, generator call, expected number of points) for the (X, y) generators.
GENERATORS = [
    ("xor_default", lambda seed: data.xor(seed=seed), 4),
    ("xor_sampled", lambda seed: data.xor(n=50, noise=0.1, seed=seed), 50),
    ("moons", lambda seed: data.moons(n=101, seed=seed), 101),
    ("circles", lambda seed: data.circles(n=101, seed=seed), 101),
    ("spiral", lambda seed: data.spiral(n_per_class=30, classes=4, seed=seed), 120),
    ("blobs", lambda seed: data.blobs(n=101, centers=3, seed=seed), 101),
]
GENERATOR_IDS = [name for name, _, _ in GENERATORS]
# The default xor is fixed on purpose, so it cannot change with the seed.
RANDOM_GENERATORS = [g for g in GENERATORS if g[0] != "xor_default"]
RANDOM_GENERATOR_IDS = [name for name, _, _ in RANDOM_GENERATORS]


# --- shapes, dtypes and seeding ---------------------------------------------


@pytest.mark.parametrize(("name", "make", "n"), GENERATORS, ids=GENERATOR_IDS)
def test_generator_returns_float64_points_and_int64_labels(name, make, n):
    X, y = make(0)
    assert isinstance(X, np.ndarray)
    assert isinstance(y, np.ndarray)
    assert X.shape == (n, 2)
    assert y.shape == (n,)
    assert X.dtype == np.float64
    assert y.dtype == np.int64


@pytest.mark.parametrize(("name", "make", "n"), GENERATORS, ids=GENERATOR_IDS)
def test_generator_with_same_seed_repeats_exactly(name, make, n):
    X1, y1 = make(7)
    X2, y2 = make(7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


@pytest.mark.parametrize(("name", "make", "n"), RANDOM_GENERATORS, ids=RANDOM_GENERATOR_IDS)
def test_generator_with_different_seeds_gives_different_points(name, make, n):
    X1, _ = make(0)
    X2, _ = make(1)
    assert not np.array_equal(X1, X2)


def test_generators_leave_global_numpy_random_state_alone():
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    data.moons(seed=5)
    data.spiral(seed=5)
    data.blobs(seed=5)
    np.testing.assert_array_equal(np.random.random(3), expected)


@pytest.mark.parametrize("make", [data.moons, data.circles], ids=["moons", "circles"])
def test_two_class_generator_splits_odd_n_as_half_and_rest(make):
    _, y = make(n=101, seed=0)
    assert np.count_nonzero(y == 0) == 50
    assert np.count_nonzero(y == 1) == 51
    assert set(np.unique(y).tolist()) == {0, 1}


# --- xor -------------------------------------------------------------------


def test_xor_default_is_exactly_the_four_corners():
    X, y = data.xor()
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, [0, 1, 1, 0])


def test_xor_with_n_spreads_the_remainder_over_the_first_corners():
    X, _ = data.xor(n=10)
    corners, counts = np.unique(X, axis=0, return_counts=True)
    np.testing.assert_array_equal(corners, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(counts, [3, 3, 2, 2])


def test_xor_noisy_points_keep_the_label_of_their_corner():
    X, y = data.xor(n=400, noise=0.05, seed=3)
    nearest_corner = np.round(X).astype(np.int64)
    np.testing.assert_array_equal(y, nearest_corner[:, 0] ^ nearest_corner[:, 1])
    assert not np.array_equal(X, np.round(X))


# --- moons and circles ------------------------------------------------------


def test_moons_without_noise_lie_on_two_unit_half_circles():
    X, y = data.moons(n=200, noise=0.0)
    outer, inner = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.linalg.norm(outer, axis=1), 1.0)
    assert np.all(outer[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.linalg.norm(inner - [1.0, 0.5], axis=1), 1.0)
    assert np.all(inner[:, 1] <= 0.5 + 1e-12)


def test_moons_noise_moves_points_off_the_half_circles():
    X, y = data.moons(n=200, noise=0.1, seed=0)
    radii = np.linalg.norm(X[y == 0], axis=1)
    assert not np.allclose(radii, 1.0)


def test_circles_without_noise_have_radius_one_and_factor():
    X, y = data.circles(n=200, noise=0.0, factor=0.3)
    radii = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radii[y == 0], 1.0)
    np.testing.assert_allclose(radii[y == 1], 0.3)


def test_circles_points_do_not_repeat_around_the_circle():
    X, _ = data.circles(n=40, noise=0.0)
    assert len(np.unique(np.round(X, 12), axis=0)) == 40


# --- spiral ----------------------------------------------------------------


def test_spiral_has_n_per_class_points_in_each_class():
    _, y = data.spiral(n_per_class=25, classes=3)
    np.testing.assert_array_equal(np.bincount(y), [25, 25, 25])


def test_spiral_radii_run_evenly_from_zero_to_one_in_each_class():
    X, y = data.spiral(n_per_class=50, classes=3)
    for j in range(3):
        radii = np.linalg.norm(X[y == j], axis=1)
        np.testing.assert_allclose(radii, np.linspace(0.0, 1.0, 50), atol=1e-12)


def test_spiral_arms_point_in_different_directions():
    X, y = data.spiral(n_per_class=100, classes=3, seed=0)
    # The arm ends (radius 1) sit near angle 4(j+1) + jitter, so the three tips are far apart.
    tips = np.array([X[y == j][-1] for j in range(3)])
    distances = np.linalg.norm(tips[:, None, :] - tips[None, :, :], axis=-1)
    assert np.all(distances[~np.eye(3, dtype=bool)] > 0.5)


# --- blobs -----------------------------------------------------------------


def test_blobs_with_explicit_centres_keep_points_near_their_centre():
    centres = np.array([[0.0, 0.0], [10.0, 10.0], [-10.0, 5.0]])
    X, y = data.blobs(n=300, centers=centres, std=0.1, seed=0)
    distances = np.linalg.norm(X - centres[y], axis=1)
    assert distances.max() < 1.0
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [10.0, 10.0], atol=0.05)


def test_blobs_splits_points_as_evenly_as_possible():
    _, y = data.blobs(n=10, centers=3, seed=0)
    np.testing.assert_array_equal(np.bincount(y), [4, 3, 3])


def test_blobs_random_centres_lie_within_spread():
    X, y = data.blobs(n=40, centers=4, std=0.0, spread=2.0, seed=0)
    assert np.all(np.abs(X) <= 2.0)
    # With std=0 every point sits exactly on its centre, so each class is one distinct point.
    assert len(np.unique(X, axis=0)) == 4
    assert np.all([len(np.unique(X[y == k], axis=0)) == 1 for k in range(4)])


def test_blobs_dim_sets_the_number_of_features():
    X, _ = data.blobs(n=20, centers=2, dim=5, seed=0)
    assert X.shape == (20, 5)


def test_blobs_explicit_centres_set_the_number_of_features():
    X, y = data.blobs(n=12, centers=[[0, 0, 0], [1, 1, 1]], seed=0)
    assert X.shape == (12, 3)
    np.testing.assert_array_equal(np.bincount(y), [6, 6])


# --- batches ---------------------------------------------------------------


def test_batches_without_shuffle_keeps_order_and_ends_with_a_short_batch():
    X = np.arange(20).reshape(10, 2)
    y = np.arange(10)
    got = list(data.batches(X, y, batch_size=4, shuffle=False))
    assert [len(yb) for _, yb in got] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in got]), y)
    np.testing.assert_array_equal(np.concatenate([xb for xb, _ in got]), X)


def test_batches_with_shuffle_covers_every_example_exactly_once():
    y = np.arange(103)
    X = np.stack([y, -y], axis=1)
    got = list(data.batches(X, y, batch_size=10, rng=np.random.default_rng(0)))
    seen = np.concatenate([yb for _, yb in got])
    assert len(got) == 11
    assert len(got[-1][1]) == 3
    np.testing.assert_array_equal(np.sort(seen), y)
    assert not np.array_equal(seen, y)


def test_batches_with_shuffle_keeps_features_and_labels_paired():
    y = np.arange(50)
    X = np.stack([y * 2.0, y * 3.0], axis=1)
    for xb, yb in data.batches(X, y, batch_size=7, rng=np.random.default_rng(1)):
        np.testing.assert_array_equal(xb, np.stack([yb * 2.0, yb * 3.0], axis=1))


def test_batches_with_same_seeded_rng_give_same_order():
    X, y = data.moons(n=30)
    first = [yb for _, yb in data.batches(X, y, 8, rng=np.random.default_rng(4))]
    second = [yb for _, yb in data.batches(X, y, 8, rng=np.random.default_rng(4))]
    np.testing.assert_array_equal(np.concatenate(first), np.concatenate(second))


def test_batches_without_rng_still_covers_every_example():
    y = np.arange(17)
    seen = np.concatenate([yb for _, yb in data.batches(y[:, None], y, batch_size=5)])
    np.testing.assert_array_equal(np.sort(seen), y)


def test_batches_accepts_lists():
    got = list(data.batches([[1, 2], [3, 4], [5, 6]], [0, 1, 0], batch_size=2, shuffle=False))
    assert isinstance(got[0][0], np.ndarray)
    np.testing.assert_array_equal(got[1][0], [[5, 6]])


# --- accuracy --------------------------------------------------------------


def test_accuracy_multiclass_compares_argmax_with_labels():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0], [9.0, 0.0, 0.0]])
    assert data.accuracy(logits, [0, 1, 2, 2]) == pytest.approx(0.75)


def test_accuracy_returns_a_python_float():
    result = data.accuracy(np.eye(3), np.arange(3))
    assert type(result) is float
    assert result == 1.0


def test_accuracy_binary_scores_with_zero_one_labels():
    scores = np.array([2.0, -1.0, 0.5, -3.0, 0.0])
    # A score of exactly 0 counts as class 0.
    assert data.accuracy(scores, [1, 0, 0, 0, 0]) == pytest.approx(0.8)


def test_accuracy_binary_scores_with_minus_one_plus_one_labels():
    scores = np.array([2.0, -1.0, 0.5, -3.0])
    assert data.accuracy(scores, [1, -1, -1, 1]) == pytest.approx(0.5)


def test_accuracy_binary_accepts_column_scores_and_column_labels():
    scores = np.array([[1.0], [-1.0], [3.0]])
    assert data.accuracy(scores, [1, 0, 0]) == pytest.approx(2 / 3)
    assert data.accuracy(scores, np.array([[1], [-1], [1]])) == 1.0


def test_accuracy_accepts_plain_lists():
    assert data.accuracy([[0.1, 0.9], [0.8, 0.2]], [1, 1]) == 0.5


def test_accuracy_accepts_objects_that_implement_array():
    class FakeTensor:
        def __init__(self, values):
            self.values = np.asarray(values, dtype=np.float64)

        def __array__(self, dtype=None, copy=None):
            return self.values if dtype is None else self.values.astype(dtype)

    assert data.accuracy(FakeTensor([[0.0, 1.0], [1.0, 0.0]]), [1, 1]) == 0.5


def test_accuracy_label_shape_mismatch_names_both_shapes():
    with pytest.raises(ValueError, match=re.escape("(3,)")) as info:
        data.accuracy(np.zeros((4, 3)), [0, 1, 2])
    assert "(4, 3)" in str(info.value)


def test_accuracy_rejects_one_hot_labels_for_multiclass():
    with pytest.raises(ValueError, match=re.escape("labels shape (2, 3)")):
        data.accuracy(np.zeros((2, 3)), np.eye(3)[[0, 1]])


def test_accuracy_rejects_scores_with_more_than_two_dimensions():
    with pytest.raises(ValueError, match=re.escape("got shape (2, 3, 4)")):
        data.accuracy(np.zeros((2, 3, 4)), [0, 1])


def test_accuracy_rejects_binary_labels_outside_both_conventions():
    with pytest.raises(ValueError, match="binary scores need labels"):
        data.accuracy([0.5, -0.5], [2, 0])


def test_accuracy_rejects_zero_examples():
    with pytest.raises(ValueError, match="zero examples"):
        data.accuracy(np.zeros((0, 3)), np.zeros(0, dtype=np.int64))


# --- digits ----------------------------------------------------------------


def test_digits_split_sizes_add_up_to_all_images():
    pytest.importorskip("sklearn")
    X_train, y_train, X_test, y_test = data.digits()
    assert len(X_train) + len(X_test) == DIGITS_TOTAL
    assert len(y_train) == len(X_train)
    assert len(y_test) == len(X_test)
    assert len(X_test) / DIGITS_TOTAL == pytest.approx(0.25, abs=0.01)


def test_digits_train_and_test_are_a_disjoint_split_of_all_images():
    datasets = pytest.importorskip("sklearn.datasets")
    X_train, _, X_test, _ = data.digits(seed=3)
    everything = datasets.load_digits().data / 16.0
    together = np.concatenate([X_train, X_test])
    # Sorting rows compares the two collections as multisets: each image used exactly once.
    np.testing.assert_array_equal(
        together[np.lexsort(together.T)], everything[np.lexsort(everything.T)]
    )


def test_digits_features_are_float64_in_unit_range_and_labels_int64():
    pytest.importorskip("sklearn")
    X_train, y_train, X_test, y_test = data.digits()
    assert X_train.shape[1] == 64
    assert X_test.shape[1] == 64
    assert X_train.dtype == np.float64
    assert y_train.dtype == np.int64
    assert X_train.min() >= 0.0
    assert X_train.max() == 1.0
    assert X_test.max() <= 1.0
    assert set(np.unique(y_test).tolist()) == set(range(10))


def test_digits_test_size_sets_the_fraction_for_every_digit():
    pytest.importorskip("sklearn")
    _, y_train, _, y_test = data.digits(test_size=0.4)
    per_digit = np.bincount(y_test) / (np.bincount(y_train) + np.bincount(y_test))
    np.testing.assert_allclose(per_digit, 0.4, atol=0.01)


def test_digits_same_seed_repeats_and_different_seed_changes_split():
    pytest.importorskip("sklearn")
    first = data.digits(seed=1)
    again = data.digits(seed=1)
    other = data.digits(seed=2)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[3], other[3])


def test_digits_without_sklearn_raises_import_error_with_install_hint(monkeypatch):
    # A None entry in sys.modules makes `import sklearn` fail as if it were not installed.
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    expected = (
        "mg.data.digits() needs scikit-learn: pip install scikit-learn "
        '(or pip install -e ".[demos]")'
    )
    with pytest.raises(ImportError, match=re.escape(expected)):
        data.digits()


# --- argument validation ---------------------------------------------------

INVALID_CALLS = [
    ("xor_n_zero", lambda: data.xor(n=0), r"xor\(\): n must be an integer >= 1"),
    ("xor_n_float", lambda: data.xor(n=4.0), r"xor\(\): n must be an integer >= 1"),
    ("xor_noise_negative", lambda: data.xor(n=8, noise=-0.1), r"xor\(\): noise must be"),
    ("moons_n_zero", lambda: data.moons(n=0), r"moons\(\): n must be an integer >= 1"),
    ("moons_n_bool", lambda: data.moons(n=True), r"moons\(\): n must be an integer >= 1"),
    ("moons_noise_negative", lambda: data.moons(noise=-1.0), r"moons\(\): noise must be"),
    ("moons_noise_nan", lambda: data.moons(noise=float("nan")), r"moons\(\): noise must be"),
    ("circles_n_negative", lambda: data.circles(n=-5), r"circles\(\): n must be an integer"),
    ("circles_noise_negative", lambda: data.circles(noise=-0.5), r"circles\(\): noise must be"),
    ("circles_factor_one", lambda: data.circles(factor=1.0), r"circles\(\): factor must be"),
    ("circles_factor_zero", lambda: data.circles(factor=0.0), r"circles\(\): factor must be"),
    ("spiral_n_zero", lambda: data.spiral(n_per_class=0), r"spiral\(\): n_per_class must be"),
    ("spiral_classes_zero", lambda: data.spiral(classes=0), r"spiral\(\): classes must be"),
    ("blobs_n_zero", lambda: data.blobs(n=0), r"blobs\(\): n must be an integer >= 1"),
    ("blobs_centers_zero", lambda: data.blobs(centers=0), r"blobs\(\): centers must be"),
    ("blobs_std_negative", lambda: data.blobs(std=-1.0), r"blobs\(\): std must be"),
    ("blobs_dim_zero", lambda: data.blobs(dim=0), r"blobs\(\): dim must be an integer >= 1"),
    ("blobs_spread_negative", lambda: data.blobs(spread=-2.0), r"blobs\(\): spread must be"),
    ("blobs_centers_1d", lambda: data.blobs(centers=[1.0, 2.0]), r"blobs\(\): centers must be"),
    ("digits_test_size_zero", lambda: data.digits(test_size=0), r"digits\(\): test_size must"),
    ("digits_test_size_one", lambda: data.digits(test_size=1.0), r"digits\(\): test_size must"),
    ("batches_size_zero", lambda: data.batches([[1]], [1], 0), r"batches\(\): batch_size must"),
    (
        "batches_length_mismatch",
        lambda: data.batches(np.zeros((5, 2)), np.zeros(4), 2),
        r"batches\(\): X and y .* len\(X\)=5 and len\(y\)=4",
    ),
]


@pytest.mark.parametrize(
    ("call", "message"),
    [(call, message) for _, call, message in INVALID_CALLS],
    ids=[name for name, _, _ in INVALID_CALLS],
)
def test_invalid_argument_raises_value_error_naming_function_and_argument(call, message):
    # batches() must fail when called, not later when the loop first asks for a batch.
    with pytest.raises(ValueError, match=message):
        call()


def test_batches_drop_last_skips_the_short_batch():
    X, y = np.arange(10.0).reshape(10, 1), np.arange(10)
    sizes = [
        len(xb) for xb, _ in data.batches(X, y, 4, rng=np.random.default_rng(0), drop_last=True)
    ]
    assert sizes == [4, 4]
    sizes = [len(xb) for xb, _ in data.batches(X, y, 5, shuffle=False, drop_last=True)]
    assert sizes == [5, 5]
