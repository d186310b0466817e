"""One vocabulary: the engine's registries, the schema and the labels use the same names."""

from __future__ import annotations

import typing

from benchmark_tools import normalize, schema, vocabulary
from benchmark_tools.formats import (
    fmt_eur,
    fmt_meur,
    fmt_number,
    fmt_pct,
    fmt_quantity,
    parse_french_number,
)


def test_engine_normalisers_are_the_vocabulary():
    assert tuple(normalize.NORMALISERS) == vocabulary.NORMALISATIONS == ("goalposts", "minmax", "zscore", "rank")


def test_every_name_has_a_french_label():
    assert set(vocabulary.METHOD_LABELS) == set(vocabulary.METHODS) == {"arithmetic", "geometric", "topsis",
                                                                        "promethee"}
    assert set(vocabulary.NORMALISATION_LABELS) == set(vocabulary.NORMALISATIONS)
    assert set(vocabulary.HORIZON_LABELS) == set(vocabulary.HORIZONS)


def test_schema_accepts_exactly_the_vocabulary():
    field = schema.ReportParams.model_fields["method"].annotation
    assert set(typing.get_args(field)) == set(vocabulary.METHODS)
    field = schema.ReportParams.model_fields["normalisation"].annotation
    assert set(typing.get_args(field)) == set(vocabulary.NORMALISATIONS)


def test_minmax_label_says_what_the_engine_does():
    # The engine scales min–max over the ranked cases (normalize.minmax with the ranked rows as
    # reference): the label must not say « sur les données » (all cases) as the report once did.
    assert vocabulary.NORMALISATION_LABELS["minmax"] == "min–max sur les cas classés"


def test_french_formats_one_convention():
    nb, nnb = "\u202f", "\u00a0"
    assert fmt_number(1234567.891, 2) == f"1{nb}234{nb}567,89"
    assert fmt_pct(0.925) == f"92{nnb}%" and fmt_pct(0.925, 1) == f"92,5{nnb}%"
    assert fmt_pct(float("nan")) == "—" and fmt_pct(None) == "—"
    assert fmt_eur(42000) == f"42{nb}000{nnb}€"
    assert fmt_meur(2_050_000) == f"2,05{nnb}M€" and fmt_meur(42_400) == f"42{nnb}k€"
    assert fmt_quantity(None) == "non documenté" and fmt_quantity(3, 0, "niveau") == "niveau 3"
    assert parse_french_number(f"environ 1{nb}234,5{nnb}€") == 1234.5
