"""Typology: determinism, recovery of planted clusters, missing values, nearest neighbours."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.metrics import adjusted_rand_score

from benchmark_tools.cases import short_names
from benchmark_tools.errors import InputError
from benchmark_tools.plots import pca_figure
from benchmark_tools.typology import cluster_profiles, fit_typology, impute, typology

FEATURES = ["f1", "f2", "f3", "f4"]


def _blobs(seed=0, per=8, spread=0.03):
    """Three well-separated blobs in [0, 1]^4; returns (profiles, true labels)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.1, 0.1, 0.9, 0.5], [0.9, 0.2, 0.1, 0.5], [0.5, 0.9, 0.5, 0.1]])
    x = np.vstack([c + spread * rng.standard_normal((per, 4)) for c in centres])
    truth = np.repeat(np.arange(3), per)
    # Shuffle so that cluster order in the data does not help.
    order = rng.permutation(len(x))
    idx = [f"cas{i:02d}" for i in range(len(x))]
    return pd.DataFrame(x[order], index=idx, columns=FEATURES), truth[order]


def _fit(profiles, seed=7, **kw):
    return fit_typology(profiles, k_min=2, k_max=6, n_neighbours=3, seed=seed,
                        feature_labels={f: f"Caractéristique {f}" for f in FEATURES}, **kw)


def test_recovers_planted_clusters():
    profiles, truth = _blobs()
    res = _fit(profiles)
    assert res.k == 3
    assert adjusted_rand_score(truth, res.labels.to_numpy()) == 1.0
    assert adjusted_rand_score(truth, res.kmeans_labels.to_numpy()) == 1.0
    assert res.agreement == 1.0
    # Silhouette of the chosen k is the largest one tried (ties → smaller k).
    sil = res.silhouettes.set_index("k")["silhouette Ward"]
    assert sil.idxmax() == 3


def test_cluster_profiles_k_by_silhouette_on_two_blobs():
    profiles, truth = _blobs()
    two = profiles[truth != 2]
    k, ward, km, _ = cluster_profiles(two.to_numpy(), 2, 5, seed=1)
    assert k == 2
    assert adjusted_rand_score(truth[truth != 2], ward) == 1.0
    assert adjusted_rand_score(truth[truth != 2], km) == 1.0


def test_deterministic_for_a_seed():
    profiles, _ = _blobs(seed=3, spread=0.25)  # overlapping blobs: k-means starts matter
    a = _fit(profiles, seed=11)
    b = _fit(profiles, seed=11)
    assert a.k == b.k
    assert (a.labels == b.labels).all()
    assert (a.kmeans_labels == b.kmeans_labels).all()
    assert_allclose(a.pca.coordinates.to_numpy(), b.pca.coordinates.to_numpy())
    assert_allclose(a.pca.explained_variance_ratio, b.pca.explained_variance_ratio)
    assert [c.name for c in a.clusters] == [c.name for c in b.clusters]


def test_pca_explained_variance_and_loadings():
    profiles, _ = _blobs()
    res = _fit(profiles)
    evr = res.pca.explained_variance_ratio
    assert_allclose(evr.sum(), 1.0, atol=1e-9)  # q = number of features here (4 < n - 1)
    assert np.all(np.diff(evr) <= 1e-12)
    load = res.pca.loadings.to_numpy()
    assert_allclose(load.T @ load, np.eye(load.shape[1]), atol=1e-9)  # orthonormal axes
    # Coordinates are the centred profiles projected on the loadings.
    x = profiles.to_numpy() - profiles.to_numpy().mean(axis=0)
    assert_allclose(res.pca.coordinates.to_numpy(), x @ load, atol=1e-9)


def test_cluster_description_gaps_and_names():
    profiles, truth = _blobs()
    res = _fit(profiles)
    overall = profiles.mean(axis=0)
    for c in res.clusters:
        cm = profiles.loc[c.members].mean(axis=0)
        gaps = c.feature_gaps.set_index("identifiant")["écart"]
        assert_allclose(gaps[FEATURES].to_numpy(), (cm - overall)[FEATURES].to_numpy())
        # Sorted by decreasing absolute gap.
        assert np.all(np.diff(np.abs(c.feature_gaps["écart"].to_numpy())) <= 1e-12)
        assert c.name and c.name[0].isupper()
    names = [c.name for c in res.clusters]
    assert len(set(names)) == len(names)


def test_imputation_by_family_mean_and_exclusion():
    values = pd.DataFrame(
        [[0.2, 0.4, np.nan], [0.6, np.nan, 0.5], [0.4, 0.8, 0.7], [0.9, 0.1, 0.3],
         [np.nan, np.nan, 0.2], [0.3, 0.3, np.nan]],
        index=list("abcdef"), columns=["x", "y", "z"])
    family = pd.Series(["A", "A", "A", "B", "B", "B"], index=values.index)
    filled, mask, share, excluded, dropped, rule = impute(values, family, min_observed_share=0.5)
    assert list(excluded.index) == ["e"]  # 1 of 3 observed < 50 %
    assert "e" not in filled.index
    # a.z ← mean of z among retained cases of family A (b, c)
    assert_allclose(filled.loc["a", "z"], np.mean([0.5, 0.7]))
    assert_allclose(filled.loc["b", "y"], np.mean([0.4, 0.8]))
    # f.z: family B retained cases are d, f → only d has z
    assert_allclose(filled.loc["f", "z"], 0.3)
    assert_allclose(share.loc["a"], 1 / 3)
    assert_allclose(share.loc["c"], 0.0)
    assert mask.loc["a", "z"] and not mask.loc["a", "x"]
    assert dropped == []
    assert "moyenne" in rule and "famille" in rule


def test_imputation_falls_back_to_overall_mean():
    values = pd.DataFrame([[0.2, 0.4], [0.6, 0.8], [0.4, np.nan], [0.9, np.nan]],
                          index=list("abcd"), columns=["x", "y"])
    family = pd.Series(["A", "A", "B", "B"], index=values.index)
    filled, *_ = impute(values, family, min_observed_share=0.5)
    assert_allclose(filled.loc["c", "y"], np.mean([0.4, 0.8]))


def test_nearest_neighbour_of_duplicated_case_is_its_twin():
    profiles, _ = _blobs(spread=0.2)
    twin = profiles.loc[["cas05"]].rename(index={"cas05": "jumeau"})
    res = _fit(pd.concat([profiles, twin]))
    nb = res.neighbours("cas05")
    assert nb["voisin"].iloc[0] == "jumeau"
    assert_allclose(nb["distance"].iloc[0], 0.0, atol=1e-12)
    assert len(nb) == 3  # n_neighbours
    nb2 = res.neighbours("jumeau", n=1)
    assert list(nb2["voisin"]) == ["cas05"]
    # Distances are Euclidean on the profiles.
    other = nb["voisin"].iloc[1]
    d = np.linalg.norm(res.profiles.loc["cas05"] - res.profiles.loc[other])
    assert_allclose(nb["distance"].iloc[1], d)


def test_designs_are_placed_without_changing_the_fit():
    profiles, truth = _blobs()
    design = pd.DataFrame([[0.12, 0.1, 0.88, 0.5]], index=["candidat"], columns=FEATURES)
    a = _fit(profiles)
    b = _fit(profiles, design_profiles=design, design_names=pd.Series(["Candidat"], index=["candidat"]))
    assert (a.labels == b.labels).all()
    assert_allclose(a.pca.coordinates.to_numpy(), b.pca.coordinates.to_numpy())
    placed = b.place()
    blob0 = a.labels[profiles.index[truth == 0][0]]
    assert placed.loc["candidat", "groupe le plus proche"] == blob0 + 1
    assert b.neighbours("candidat")["groupe"].iloc[0] == blob0 + 1


def test_too_few_cases_is_a_clear_error():
    profiles, _ = _blobs()
    with pytest.raises(InputError):
        _fit(profiles.iloc[:2])


def test_short_names_disambiguate():
    from types import SimpleNamespace as N

    cases = [N(id=i, territory=t, family=f) for i, t, f in [
        ("rennes_bp", "Rennes", "bp"), ("rennes_fdc", "Rennes", "fdc"), ("paris_bp", "Paris", "bp"),
        ("metz_bp", "Metz", "bp"), ("metz_bp_eco_2019", "Metz", "bp")]]
    names = short_names(cases, {"bp": "BP", "fdc": "Fonds"})
    assert list(names.values()) == ["Rennes (BP)", "Rennes (Fonds)", "Paris", "Metz", "Metz (eco 2019)"]


# ------------------------------------------------------------------ on the project's data


@pytest.fixture(scope="module")
def project():
    from benchmark_tools.project import load_project

    return load_project()


def test_project_typology_and_twin(project):
    fam = "budget_participatif"
    case = max(project.cases_of(fam), key=lambda c: len(c.scores))
    twin = case.model_copy(update={"id": case.id + "_jumeau"})
    project.cases.append(twin)
    try:
        res = typology(project, families=[fam])
    finally:
        project.cases.remove(twin)
    nb = res.neighbours(case.id, n=5)
    assert_allclose(nb["distance"].iloc[0], 0.0, atol=1e-12)
    assert twin.id in set(nb.loc[nb["distance"] < 1e-12, "voisin"])
    df = res.to_dataframe()
    assert {"cas", "famille", "groupe", "nom du groupe", "part imputée", "CP1"} <= set(df.columns)
    assert df["groupe"].between(1, res.k).all()
    ts = project.settings.typology
    assert ts.k_min <= res.k <= ts.k_max
    assert "moyenne" in res.missing_rule


def test_project_typology_with_designs_and_figure(project):
    if not project.designs:
        pytest.skip("aucun dispositif candidat")
    res = typology(project, designs="all")
    assert set(res.place().index) == {d for d, o in project.designs.items()
                                      if o.family in project.report.families}
    fig = pca_figure(res)
    assert fig.axes and fig.axes[0].get_xlabel().startswith("Composante 1")
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_project_typology_criteria_level(project):
    res = typology(project, families=["budget_participatif"], level="criteria", min_observed_share=0.3)
    assert res.level == "criteria"
    assert set(res.profiles.columns) <= set(project.catalogue.criterion_ids)
    assert not res.profiles.isna().any().any()


def test_design_missing_values_imputed_by_family_mean():
    profiles, truth = _blobs()
    family = pd.Series(np.where(truth == 0, "A", "B"), index=profiles.index)
    design = pd.DataFrame([[0.5, np.nan, 0.5, 0.5]], index=["candidat"], columns=FEATURES)
    fam_all = pd.concat([family, pd.Series(["A"], index=["candidat"])])
    res = _fit(profiles, family=fam_all, design_profiles=design)
    assert_allclose(res.design_profiles.loc["candidat", "f2"], profiles.loc[family == "A", "f2"].mean())


def test_summary_text_reports_structure_strength():
    from benchmark_tools.typology import silhouette_reading

    profiles, _ = _blobs()
    res = _fit(profiles)
    text = res.summary_text()
    assert f"{res.k} groupes" in text and "silhouette" in text
    assert res.silhouette > 0.71 and silhouette_reading(res.silhouette) == "structure forte"
    assert silhouette_reading(0.1).startswith("pas de structure")
