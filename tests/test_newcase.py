"""``new-case`` and ``profile-from-ranking`` write YAML with the emitter (issue 18 item 10; issue 20 item 6)."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from benchmark_tools.cli import app
from benchmark_tools.newcase import default_id, family_abbreviation
from projectkit import make_project, valid_case, write_case

FAMILY = "budget_participatif"


@pytest.fixture
def root(tmp_path):
    r = make_project(tmp_path)
    write_case(r, valid_case())
    return r


def cli(root, *args):
    res = CliRunner().invoke(app, list(args), env={"BENCHMARK_ROOT": str(root)})
    return res.exit_code, res.output


def new_case(root, *args):
    return cli(root, "new-case", "--family", FAMILY, *args)


@pytest.mark.parametrize("name", ['Budget « participatif » "citoyen" de Ville', "Fonds C:\\Temp\\x de Ville",
                                  "Budget de Ville\nbaseline: true", "Nom: avec deux-points # et dièse",
                                  "Budget 'apostrophe' de Ville"])
def test_name_round_trips_and_adds_no_key(root, name):
    code, out = new_case(root, "--name", name, "--id", "cas_piege")
    assert code == 0, out
    path = root / "data" / "cases" / FAMILY / "cas_piege.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["name"] == name
    assert data["baseline"] is False
    assert set(data) == {"id", "name", "family", "territory", "country", "level", "baseline", "summary",
                         "design", "outcomes", "scores"}


@pytest.mark.parametrize("name", ["", "   ", "Budget\x07 de Ville", "Budget\x00"])
def test_empty_or_control_character_name_refused(root, name):
    code, out = new_case(root, "--name", name)
    assert code == 1
    assert "--name" in out
    assert [p.name for p in (root / "data" / "cases" / FAMILY).glob("*.yml")] == ["ville_test_bp.yml"]


def test_default_id_is_short_and_from_the_place(root):
    code, out = new_case(root, "--name", "Budget participatif de la Métropole de Saint-Étienne-du-Rouvray-sur-Mer")
    assert code == 0, out
    files = sorted(p.name for p in (root / "data" / "cases" / FAMILY).glob("*.yml"))
    new = [f for f in files if f != "ville_test_bp.yml"]
    assert len(new) == 1
    cid = new[0][:-4]
    assert len(cid) <= 30 and cid.endswith("_bp") and cid.startswith("metropole_saint_etienne")


def test_default_id_from_territory_and_unique(root):
    assert new_case(root, "--name", "Budget participatif", "--territory", "Testville")[0] == 0
    assert new_case(root, "--name", "Autre budget", "--territory", "Testville")[0] == 0
    folder = root / "data" / "cases" / FAMILY
    assert (folder / "testville_bp.yml").is_file() and (folder / "testville_bp_2.yml").is_file()
    assert yaml.safe_load((folder / "testville_bp.yml").read_text(encoding="utf-8"))["territory"] == "Testville"


def test_explicit_id(root):
    code, out = new_case(root, "--name", "Budget participatif de Testville", "--id", "mon_cas")
    assert code == 0 and (root / "data" / "cases" / FAMILY / "mon_cas.yml").is_file()
    code, out = new_case(root, "--name", "x", "--id", "Mon-Cas")
    assert code == 1 and "identifiant invalide" in out


def test_family_abbreviation_and_default_id():
    assert family_abbreviation("budget_participatif") == "bp"
    assert family_abbreviation("appel_a_projets") == "aap"
    assert family_abbreviation("fonds_de_concours") == "fdc"
    assert default_id("Budget participatif de Lyon", "budget_participatif", set()) == "lyon_bp"
    assert default_id("Budget participatif de Lyon", "budget_participatif", {"lyon_bp"}) == "lyon_bp_2"


def test_template_validates(root):
    code, _ = new_case(root, "--name", 'Budget "x" de Ville\\Test', "--id", "cas_ok")
    assert code == 0
    code, out = cli(root, "validate")
    assert code == 0, out


DIMS = "ecology > empowerment > inclusion > territory > accountability > deliberation > efficiency"


@pytest.mark.parametrize("opt,value", [("--viewpoint", "Point de vue\x1b[31m"), ("--label", ""),
                                       ("--label", "   "), ("--rationale", "a\x00b")])
def test_profile_from_ranking_refuses_bad_texts(root, opt, value):
    args = ["profile-from-ranking", "mon_profil", DIMS, "--label", "Mon profil"]
    args += [opt, value]
    code, out = cli(root, *args)
    assert code == 1 and opt in out
    assert not (root / "benchmark" / "profiles" / "mon_profil.yml").exists()


def test_profile_from_ranking_round_trips_quotes_and_validates(root):
    label = 'Profil "élus"\\ : test'
    code, out = cli(root, "profile-from-ranking", "mon_profil", DIMS, "--label", label,
                    "--viewpoint", "Ligne 1\nLigne 2")
    assert code == 0, out
    data = yaml.safe_load((root / "benchmark" / "profiles" / "mon_profil.yml").read_text(encoding="utf-8"))
    assert data["label_fr"] == label and data["viewpoint"] == "Ligne 1\nLigne 2"
    assert cli(root, "validate")[0] == 0
