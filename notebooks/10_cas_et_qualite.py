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
# # Les cas et la qualité des données
#
# Inventaire des cas, couverture des critères par cas et par famille, carte des valeurs manquantes et
# faits sur lesquels les sources divergent. Aucune valeur manquante n'est complétée : elle est montrée.

# %% tags=["parameters"]
# Chaque paramètre laissé à None prend sa valeur dans benchmark/report.yml (le lanceur y injecte celles de l'exécution).
families = None  # familles (liste d'identifiants)
run_dir = None  # dossier de l'exécution (rempli par le lanceur ; None : rien n'est écrit)

# %%
from benchmark_tools import report_blocks as rp
from benchmark_tools import report_html as rh
from benchmark_tools.cases import coverage_table, criterion_coverage, short_names
from benchmark_tools.pipeline import family_matrix
from benchmark_tools.plots import coverage_map
from benchmark_tools.project import load_project

rh.setup_notebook()
project = load_project()
params = rp.run_params(families=families)

# %% [markdown]
# ## Inventaire

# %%
rp.cases_overview(project)

# %%
rp.cases_list(project)

# %% [markdown]
# ## Couverture par cas
#
# Part des critères applicables à la famille du cas qui ont une valeur sourcée (ou calculée à partir de faits sourcés).

# %%
coverage = coverage_table(project.cases, project.catalogue, project.families)
rh.html_table(coverage.drop(columns=["family", "case_id"]).sort_values(["Famille", "Couverture"], ascending=[True, False]),
              "Couverture des critères par cas", pct=["Couverture"])

# %% [markdown]
# ## Couverture par critère et par famille

# %%
rh.html_table(criterion_coverage(project.cases, project.catalogue, project.families).reset_index(),
              "Part des cas renseignés, par critère (vide : sans objet pour la famille)",
              pct=[project.families.label(f) for f in sorted({c.family for c in project.cases})])

# %% [markdown]
# ## Carte des valeurs manquantes

# %%
for fam in params.families:
    display(rh.heading(project.families.label(fam, plural=True), 3))
    display(rh.figure(coverage_map(family_matrix(project, fam), [c.code for c in project.catalogue.criteria],
                                 names=short_names(project.cases_of(fam)))))

# %% [markdown]
# ## Conflits de sources

# %%
rp.conflicts_table(project)
