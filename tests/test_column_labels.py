"""Engine result tables carry ids; French column labels are put at presentation (vocabulary.labelled)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from benchmark_tools import robustness as rb
from benchmark_tools.analysis import analyse_family
from benchmark_tools.pipeline import scores_table
from benchmark_tools.project import load_project
from benchmark_tools.scoring import score_batch
from benchmark_tools.vocabulary import CELL_STATUS_LABELS, column_label, labelled

ID = re.compile(r"[a-z][a-z0-9_]*")
FAMILY = "fonds_de_concours"


@pytest.fixture(scope="module")
def project():
    return load_project()


@pytest.fixture(scope="module")
def fa(project):
    params = project.report.model_copy(update={"n_draws": 50})
    return analyse_family(project, FAMILY, params, profiles=False)


@pytest.fixture(scope="module")
def engine_frames(project, fa):
    """Every engine result table of one family, by name."""
    m = fa.matrix
    batch = score_batch(m, project.profiles[fa.result.profile_id], project.settings,
                        weights=np.ones((2, len(m.dimension_ids))))
    reversal = rb.rank_reversal(lambda keep: fa.result.scores[keep], list(m.case_ids))
    return {
        "score": fa.result.to_dataframe(),
        "batch": batch.to_dataframe(),
        "monte_carlo": fa.monte_carlo.to_dataframe(),
        "weights_only": fa.weights_only.to_dataframe(),
        "smaa": fa.smaa.to_dataframe(),
        "sobol": fa.sobol.to_dataframe(),
        "leave_one_out": fa.loo_dimensions.to_dataframe(),
        "leave_one_out_ranks": fa.loo_dimensions.rank_table(),
        "rank_reversal": reversal.to_dataframe(),
        "matrix_values": m.to_dataframe(),
        "matrix_status": m.to_dataframe("status"),
    }


def test_engine_columns_are_ids_with_a_label(fa, engine_frames):
    dims = set(fa.matrix.dimension_ids)
    for name, df in engine_frames.items():
        names = [n for n in (*df.index.names, df.columns.name) if n is not None]
        if not name.startswith("matrix"):  # the matrix's columns are the criterion ids themselves
            names += list(df.columns)
        for col in names:
            assert ID.fullmatch(col), f"{name} : colonne « {col} » n'est pas un identifiant"
            assert col in dims or column_label(col), f"{name} : colonne « {col} » sans libellé"


def test_engine_values_are_ids(engine_frames):
    assert set(engine_frames["score"]["status"]) <= {"ranked", "apart", "excluded", "unscored"}
    assert set(np.unique(engine_frames["matrix_status"].to_numpy())) <= set(CELL_STATUS_LABELS)


def test_labelled_reproduces_the_published_headers(fa):
    """The French headers of the report's tables and of the scores CSV files, as published."""
    top = fa.monte_carlo.top_k
    assert list(labelled(fa.smaa.to_dataframe(max_rank=3)).columns) == [
        "cas", "acceptabilité rang 1", "acceptabilité rang 2", "acceptabilité rang 3", "facteur de confiance",
        "acceptabilité holistique", "classé dans tous les tirages"]
    assert list(labelled(fa.monte_carlo.to_dataframe()).columns) == [
        "cas", "rang médian", "rang P5", "rang P95", "P(1er)", f"P(top {top})", "critères manquants tirés",
        "couverture", "sous le seuil de couverture", "rang nominal (cas disponibles)", "stabilité", "motif"]
    assert list(labelled(fa.weights_only.to_dataframe()).columns) == [
        "cas", "rang nominal", "rang médian", "rang P5", "rang P95", "P(1er)", f"P(top {top})", "score nominal",
        "score moyen", "part des tirages classés", "stabilité", "motif"]
    lvl = f"{100 * fa.sobol.conf_level:.0f} %"
    assert list(labelled(fa.sobol.to_dataframe()).columns) == [
        "facteur", "identifiant", "indice de premier ordre S1", f"S1 borne basse ({lvl})",
        f"S1 borne haute ({lvl})", "indice total ST", f"ST borne basse ({lvl})", f"ST borne haute ({lvl})"]
    assert list(labelled(fa.loo_dimensions.to_dataframe()).columns) == [
        "dimension retirée", "décalage moyen de rang", "décalage maximal de rang", "changement de tête",
        "tau de Kendall avec le classement nominal"]
    ranks = labelled(fa.loo_dimensions.rank_table())
    assert ranks.index.name == "cas" and list(ranks.columns) == ["rang nominal"] + [
        f"sans {d}" for d in fa.loo_dimensions.removed]
    header = scores_table(fa.result).to_csv().splitlines()[0]
    assert header == ",".join(["identifiant", "cas", "score", "rang", "statut", "couverture",
                               *[f'"{d}"' if "," in d else d for d in fa.matrix.dimension_labels]])
    assert "Pouvoir d'agir" in header


def test_labelled_leaves_the_engine_table_alone(fa):
    df = fa.result.to_dataframe()
    before = df.copy()
    out = labelled(df)
    assert list(df.columns) == list(before.columns) and (df["status"] == before["status"]).all()
    assert out.attrs == df.attrs
