# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Printemps citoyen : propositions, labellisation, programme et bilan d'une édition
#
# Ce carnet suit une édition du Printemps citoyen de Rennes Métropole : les propositions reçues, les repères
# pour le comité de labellisation (jamais une décision), le programme daté par le solveur sur les 43 communes,
# les communes sans action (liste de prospection et d'animations à commander) et le bilan. Il est exécuté par
# `make printemps EDITION=…` ; les fichiers de communication sont écrits par
# `benchmark-tools printemps publish EDITION`.

# %% tags=["parameters"]
edition = "2024"  # année de l'édition : dossier data/printemps/<edition>/
run_dir = None  # dossier de l'exécution (rempli par le lanceur ; None : rien n'est écrit)

# %%
import pandas as pd
import yaml
from IPython.display import Markdown

from benchmark_tools import report_html as rh
from benchmark_tools.cli_printemps import CATALOGUE
from benchmark_tools.modelio import find_root
from benchmark_tools.printemps_model import DECISION_LABELS, load_edition
from benchmark_tools.printemps_plan import binding_text, outreach, plan, precheck
from benchmark_tools.printemps_publish import review
from benchmark_tools.textutil import escape_md

rh.setup_notebook()
root = find_root()
ed = load_edition(root, edition)

# %% [markdown]
# ## L'édition

# %%
s = ed.settings
display(Markdown(
    f"**{escape_md(s.title)}** — du {s.start:%d/%m/%Y} au {s.end:%d/%m/%Y}"
    + (f", propositions attendues avant le {s.deadline:%d/%m/%Y}" if s.deadline else "")
    + f". {len(ed.proposals)} proposition(s) enregistrée(s) ; {len(ed.errors)} problème(s) dans les fichiers."))
if ed.errors:
    display(rh.html_table(pd.DataFrame({"problème": [p.format() for p in ed.errors]}), "Problèmes à corriger"))
if s.sources:
    facts = pd.DataFrame([{"fait": k, "valeur": str(f.value), "source": f.source, "année": f.year}
                             for k, f in s.sources.items()])
    display(rh.html_table(facts, "Faits publics de l'édition (sources)"))

# %% [markdown]
# ## Repères pour le comité de labellisation
#
# Pour chaque critère, « oui » quand les champs de la proposition le montrent, « à vérifier » sinon, avec le
# motif. Le comité décide ; ses décisions sont dans `labellisation.yml`.

# %%
if ed.proposals:
    display(rh.html_table(precheck(ed), "Pré-vérification des trois critères"))
    if ed.panel:
        counts = pd.Series([d.decision for d in ed.panel.decisions.values()]).map(DECISION_LABELS).value_counts()
        display(rh.html_table(counts.rename("propositions").to_frame(), "Décisions du comité"))
else:
    display(Markdown("Aucune proposition enregistrée pour cette édition : les propositions d'une édition réelle "
                        "ne sont saisies que depuis le formulaire (`printemps export-form`, puis `printemps import`)."))

# %% [markdown]
# ## Programme

# %%
result = plan(ed)
display(Markdown(f"{len(result.dates)} action(s) datée(s), {len(result.unplaced)} non placée(s) ; "
                    f"{len(result.covered)} commune(s) sur {len(ed.communes.communes)} ont au moins une action "
                    f"(solveur : {result.status})."))
display(Markdown("\n".join(f"- {escape_md(t)}" for t in binding_text(result))))
if result.dates or result.unplaced:
    display(rh.html_table(result.to_dataframe(), "Programme proposé"))

# %% [markdown]
# ## Communes sans action
#
# Par population décroissante : la liste de prospection du service et les lieux où une animation commandée
# serait la plus utile.

# %%
catalogue_path = root.joinpath(*CATALOGUE)
catalogue = (yaml.safe_load(catalogue_path.read_text(encoding="utf-8")) or {}).get("animations", []) if catalogue_path.exists() else []
gaps, picks = outreach(ed, result, catalogue)
display(rh.html_table(gaps, "Communes sans action programmée"))
if len(picks):
    display(rh.html_table(picks, "Animations à commander dans le budget"))
else:
    display(Markdown("Aucune animation proposée : le catalogue n'a pas de coût renseigné ou le budget est nul "
                        "(`benchmark/printemps/animations.yml`, `planning.animation_budget_eur`)."))

# %% [markdown]
# ## Bilan

# %%
display(rh.html_table(review(ed, result), f"Bilan de l'édition {edition}"))
