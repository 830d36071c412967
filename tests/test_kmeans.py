"""The k-means engine: scikit-learn's private kernels are there, and what we build from
them gives what ``sklearn.cluster.KMeans`` gives (labels, centres, inertia)."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs

from segmentation.choose_k import evaluate_prepared
from segmentation.kmeans import (
    SAMPLE_STARTS,
    SAMPLE_TOL,
    SMALL_DATA,
    StartSearch,
    fit_kmeans,
    lloyd,
    sweep_rows,
)
from segmentation.prepare import prepare_features

ROOT = Path(__file__).resolve().parents[1]
KMEANS_MODULE = ROOT / "segmentation" / "kmeans.py"


def _sklearn_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) of every ``from sklearn... import name`` and (module, "") of every
    ``import sklearn...`` in `path`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sklearn"):
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, "") for a in node.names if a.name.startswith("sklearn")]
    return found


def _is_private(module: str, name: str) -> bool:
    return any(part.startswith("_") for part in [*module.split("."), name] if part)


def _private_imports(path: Path) -> list[tuple[str, str]]:
    return [(m, n) for m, n in _sklearn_imports(path) if _is_private(m, n)]


@pytest.mark.parametrize(("module", "name"), _private_imports(KMEANS_MODULE))
def test_private_sklearn_kernel_is_importable(module, name):
    # Loud on purpose: these kernels are not scikit-learn's public API and may move in any
    # release; pyproject.toml's range says which versions were tested.
    imported = importlib.import_module(module)  # an ImportError names a missing module
    assert not name or hasattr(imported, name), (
        f"scikit-learn {sklearn.__version__} has no {module}.{name}, which "
        "segmentation/kmeans.py needs: install the scikit-learn pinned in requirements.txt."
    )


def test_kmeans_uses_private_kernels_the_test_above_checks():
    names = {name for _, name in _private_imports(KMEANS_MODULE)}
    assert {"_kmeans_single_lloyd", "_is_same_clustering", "_tolerance"} <= names


def test_a_missing_kernel_fails_the_import_instead_of_falling_back():
    code = (
        "import sklearn.cluster._kmeans as k; del k._kmeans_single_lloyd\n"
        "try:\n    import segmentation.kmeans\n"
        "except ImportError as exc:\n    print('ImportError', exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert out.startswith("ImportError") and "_kmeans_single_lloyd" in out


def test_only_the_kmeans_module_touches_sklearn_private_names():
    sources = [*ROOT.glob("segmentation/**/*.py"), *ROOT.glob("ui/*.py"), *ROOT.glob("pages/*.py")]
    touching = sorted(
        str(path.relative_to(ROOT)) for path in sources if _private_imports(path)
    )
    assert touching == ["segmentation/kmeans.py"]


@pytest.mark.parametrize("n", [SMALL_DATA - 500, 12_000])
def test_start_search_gives_what_sklearns_kmeans_gives(n):
    # The sweep's starts are KMeans's own: small data with 10 starts, a sample with
    # SAMPLE_STARTS starts to SAMPLE_TOL. Same labels, centres and inertia for every k.
    X, _ = make_blobs(n_samples=n, centers=5, n_features=3, cluster_std=3, random_state=4)
    search = StartSearch(X, 42)
    small = n <= SMALL_DATA
    for k in (2, 4, 7):
        ours = search.fit(k)
        theirs = KMeans(
            k, n_init=10 if small else SAMPLE_STARTS, tol=1e-4 if small else SAMPLE_TOL,
            random_state=42,
        ).fit(X)
        assert (ours.labels == theirs.labels_).all(), k
        np.testing.assert_allclose(ours.centres, theirs.cluster_centers_, rtol=0, atol=1e-9)
        assert ours.inertia == pytest.approx(theirs.inertia_, rel=1e-12)
        assert ours.n_iter == theirs.n_iter_


def test_sweep_on_small_data_scores_what_sklearns_kmeans_gives():
    X, _ = make_blobs(n_samples=300, centers=4, n_features=2, random_state=7)
    prepared = prepare_features(pd.DataFrame(X, columns=["a", "b"]), ["a", "b"])
    choice = evaluate_prepared(prepared, range(2, 7))
    for score in choice.scores:
        theirs = KMeans(score.k, n_init=10, random_state=42).fit(prepared.matrix)
        assert score.inertia == pytest.approx(theirs.inertia_, rel=1e-12)
        np.testing.assert_allclose(
            choice.start_centres[score.k], theirs.cluster_centers_, rtol=0, atol=1e-9
        )


def test_fit_on_small_data_is_sklearns_kmeans():
    X, _ = make_blobs(n_samples=400, centers=4, n_features=3, cluster_std=2, random_state=5)
    ours = fit_kmeans(X, 4, 42)
    theirs = KMeans(4, n_init=10, random_state=42).fit(X)
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, atol=1e-9)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-12)


def test_fit_on_large_data_is_sklearns_kmeans_from_the_samples_centres():
    X, _ = make_blobs(n_samples=12_000, centers=5, n_features=3, cluster_std=3, random_state=4)
    on_sample = KMeans(5, n_init=SAMPLE_STARTS, tol=SAMPLE_TOL, random_state=42)
    on_sample.fit(sweep_rows(X, 42))
    theirs = KMeans(5, init=on_sample.cluster_centers_, n_init=1, random_state=42).fit(X)
    ours = fit_kmeans(X, 5, 42)
    # KMeans centres the data first, so a customer on a boundary may differ in the last
    # bits of its distances; the segmentation itself must not.
    assert (ours.labels_ != theirs.labels_).mean() < 1e-3
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-6)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, atol=1e-6)


@pytest.mark.parametrize("k", [2, 5])
def test_lloyd_gives_what_sklearns_kmeans_gives_from_the_same_start(k):
    X, _ = make_blobs(n_samples=20_000, centers=6, n_features=4, random_state=3)
    start = X[np.random.default_rng(1).choice(len(X), k, replace=False)]
    ours = lloyd(X, start)
    theirs = KMeans(k, init=start, n_init=1, random_state=42).fit(X)
    assert (ours.labels_ != theirs.labels_).mean() < 1e-3
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-6)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, atol=1e-6)
    # A complete estimator: new customers get the segment of their nearest centre.
    assert (ours.predict(X[:500]) == ours.labels_[:500]).all()


def test_same_input_same_segments():
    X, _ = make_blobs(n_samples=12_000, centers=3, n_features=2, random_state=2)
    first, second = fit_kmeans(X, 3, 42), fit_kmeans(X.copy(), 3, 42)
    np.testing.assert_array_equal(first.labels_, second.labels_)
    assert first.inertia_ == second.inertia_
