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
# # Typologie des cas et dispositifs candidats
#
# Familles de conceptions qui existent (analyse en composantes principales et classification des profils par
# dimension), plus proches voisins de chaque cas, puis position des dispositifs que Rennes Métropole pourrait lancer,
# comparés aux cas de leur famille avec le même moteur et la même analyse de robustesse.

# %% tags=["parameters"]
# Chaque paramètre laissé à None prend sa valeur dans benchmark/report.yml (le lanceur y injecte celles de l'exécution).
profile = None  # profil de pondération (benchmark/profiles)
method = None  # méthode d'agrégation : arithmetic, geometric, topsis, promethee
normalisation = None  # normalisation : goalposts, minmax, zscore, rank
seed = None  # graine aléatoire
n_draws = None  # tirages Monte Carlo
families = None  # familles (liste d'identifiants)
run_dir = None  # dossier de l'exécution (rempli par le lanceur ; None : rien n'est écrit)

# %%
from benchmark_tools import report_blocks as rp
from benchmark_tools import report_html as rh
from benchmark_tools.designs import position_design, positioning_figure
from benchmark_tools.plots import dendrogram_figure, loadings_figure, pca_figure
from benchmark_tools.project import load_project
from benchmark_tools.typology import typology

rh.setup_notebook()
project = load_project()
params = rp.run_params(profile=profile, method=method, normalisation=normalisation, seed=seed, n_draws=n_draws,
                       families=families)
types = typology(project, params.families, profile=params.profile, normalisation=params.normalisation, designs="all",
                 seed=params.seed)

# %% [markdown]
# ## Typologie

# %%
rh.paragraph(types.summary_text())

# %%
rh.paragraph(types.missing_rule)

# %%
rh.html_table(types.clusters_dataframe(), "Groupes de dispositifs et ce qui les distingue")

# %%
rh.figure(pca_figure(types))

# %%
rh.figure(loadings_figure(types))

# %%
rh.figure(dendrogram_figure(types))

# %%
rh.html_table(types.to_dataframe(), "Chaque cas, son groupe et sa place sur la carte")

# %%
rh.html_table(types.neighbours_dataframe(), "Plus proches voisins de chaque cas")

# %% [markdown]
# ## Dispositifs candidats

# %%
positions = [position_design(project, d, params.profile, params.method, params.normalisation, params.n_draws, params.seed)
             for d in sorted(project.designs)]
rp.design_positions_table(positions)

# %%
for pos in positions:
    for block in rp.design_section(pos):
        display(block)
    display(rh.figure(positioning_figure(pos)))
