"""Threads and memory: the module-call record is shared, locked and weak.

The thread tests make a race likely on every run rather than one in six:
``sys.setswitchinterval`` set very low makes the interpreter switch threads
every few bytecodes, so a table swept in one thread while another adds to
it fails at once.
"""

from __future__ import annotations

import gc
import sys
import threading
import weakref
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn.module import module_calls


@pytest.fixture
def fast_switching() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _run_threads(target: Callable[[int], object], n: int) -> list[object]:
    results: list[object] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = target(i)
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [], f"threads raised: {errors!r}"
    return results


def test_four_threads_calling_one_sequential_do_not_race(fast_switching: None) -> None:
    model = mg.nn.Sequential(mg.nn.Linear(3, 4, rng=np.random.default_rng(0)), mg.nn.ReLU())
    x = mg.randn(2, 3, rng=np.random.default_rng(1))

    def call_many(i: int) -> int:
        kept = []
        for step in range(3000):  # enough outputs in every thread to sweep the table
            out = model(x)
            if step % 2:
                kept.append(out)
        return len(kept)

    assert _run_threads(call_many, 4) == [1500] * 4
    out = model(x)
    assert [c.module for c in module_calls(out)][-1] is model


def _train(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    model = mg.nn.MLP([2, 8, 8, 2], rng=rng)
    opt = mg.optim.Adam(model.parameters(), lr=1e-2)
    X, y = mg.data.moons(64, noise=0.1, seed=seed)
    for _ in range(30):
        opt.zero_grad()
        loss = mg.nn.F.cross_entropy(model(mg.Tensor(X)), y)
        loss.backward()
        opt.step()
    return np.concatenate([p.data.ravel() for p in model.parameters()])


def test_threads_training_separate_models_match_their_solo_runs(fast_switching: None) -> None:
    solo = [_train(seed) for seed in range(3)]
    threaded = _run_threads(_train, 3)
    for alone, together in zip(solo, threaded, strict=True):
        np.testing.assert_array_equal(together, alone)


def test_a_deleted_model_is_freed_at_once() -> None:
    gc.collect()
    gc.disable()
    try:
        model = mg.nn.MLP([4, 8, 3], rng=np.random.default_rng(0))
        out = model(mg.randn(5, 4, rng=np.random.default_rng(1)))
        assert module_calls(out)  # the call was recorded
        ref = weakref.ref(model)
        del model
        assert ref() is None  # the record held it only weakly
        out.sum().backward()  # the graph it made still works
    finally:
        gc.enable()


def test_a_deleted_graph_is_freed_at_once() -> None:
    gc.collect()
    gc.disable()
    try:
        model = mg.nn.MLP([4, 8, 3], rng=np.random.default_rng(0))
        out = model(mg.randn(5, 4, rng=np.random.default_rng(1)))
        hidden = out.parents[0]
        refs = [weakref.ref(out), weakref.ref(hidden)]
        del out, hidden
        assert [r() for r in refs] == [None, None]
        assert module_calls(model(mg.randn(1, 4))) != ()
    finally:
        gc.enable()
