"""Shared test settings: Hypothesis never times a test, and CI runs are repeatable."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import minigrad as mg

settings.register_profile(
    "dev", deadline=None, max_examples=40, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=40,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# CI installs Graphviz, PyTorch and Chromium: there a test that skips because
# one of them is missing hides a broken install, so it fails instead.
IN_CI = os.environ.get("CI", "").lower() == "true"
MISSING_TOOL = ("is not installed", "could not import")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped:
        reason = report.longrepr[-1] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if any(words in reason for words in MISSING_TOOL):
            report.outcome = "failed"
            report.longrepr = f"skipped in CI, where every optional tool is installed: {reason}"


try:  # threadpoolctl comes with scikit-learn, part of the test extra
    from threadpoolctl import threadpool_limits
except ImportError:
    pass
else:
    # The tests' matrices are small: BLAS threads only add overhead, and on a
    # busy machine they contend for the cores.
    threadpool_limits(1)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def float32_default():
    """Make float32 the default dtype for one test, and always restore it."""
    previous = mg.get_default_dtype()
    mg.set_default_dtype(np.float32)
    try:
        yield
    finally:
        mg.set_default_dtype(previous)


# ------------------------------------------------------------- the browser

CHROMIUM = "/usr/bin/chromium"  # Debian's package, which CI installs
# No first-run work and no connections of its own: the machine may have no network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium driven by Playwright, one per test module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium is not installed (looked for {CHROMIUM})")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def open_page(browser):
    """``open_page(url, **options)``: a new page at ``url`` whose console errors and
    uncaught exceptions collect in ``page.errors``; closed after the test."""
    pages = []

    def open_(url: str, **options):
        page = browser.new_page(**options)
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        pages.append(page)
        page.goto(url)
        return page

    yield open_
    for page in pages:
        page.close()
