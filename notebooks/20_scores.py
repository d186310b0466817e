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
# # Scores par famille
#
# Classement des cas de chaque famille avec le profil de pondération de l'exécution, profils par dimension,
# contributions des critères et explication des écarts au premier. Les cas trop peu documentés sont montrés à part.

# %% tags=["parameters"]
# Chaque paramètre laissé à None prend sa valeur dans benchmark/report.yml (le lanceur y injecte celles de l'exécution).
profile = None  # profil de pondération (benchmark/profiles)
method = None  # méthode d'agrégation : arithmetic, geometric, topsis, promethee
normalisation = None  # normalisation : goalposts, minmax, zscore, rank
families = None  # familles (liste d'identifiants)
run_dir = None  # dossier de l'exécution (rempli par le lanceur ; None : rien n'est écrit)

# %%
from benchmark_tools import report_blocks as rp
from benchmark_tools import report_html as rh
from benchmark_tools.cases import short_names
from benchmark_tools.pipeline import ranking_table, score_family
from benchmark_tools.plots import dimension_heatmap
from benchmark_tools.project import load_project

rh.setup_notebook()
project = load_project()
params = rp.run_params(profile=profile, method=method, normalisation=normalisation, families=families)
labels = {d.id: d.label_fr for d in project.catalogue.dimensions}
results = {fam: score_family(project, fam, params.profile, params.method, params.normalisation)
           for fam in params.families}

# %% [markdown]
# ## Classements

# %%
for fam, res in results.items():
    display(rh.heading(project.families.label(fam, plural=True), 3))
    display(rh.html_table(ranking_table(res), f"Classement — {project.families.label(fam, plural=True)}"))
    display(rh.figure(dimension_heatmap(res, labels, names=short_names(project.cases_of(fam)))))

# %% [markdown]
# ## Explications : matrice normalisée, poids effectifs, contributions
#
# Pour chaque famille, les tables qui expliquent le score : la valeur normalisée de chaque critère, le poids qu'il a
# réellement eu pour chaque cas (après avoir écarté les critères sans valeur) et sa contribution.

# %%
for fam, res in results.items():
    display(rh.heading(project.families.label(fam, plural=True), 3))
    for table in res.explanations():
        display(rh.html_table(table.data.reset_index(), table.caption))

# %% [markdown]
# ## Écart au premier, par dimension

# %%
for fam, res in results.items():
    if res.leader is None:
        continue
    for case in project.cases_of(fam):
        if case.baseline and case.id != res.leader:
            display(rh.html_table(res.gap_to_leader(case.id).reset_index(),
                                  f"{case.name} : écart au premier, par dimension"))
