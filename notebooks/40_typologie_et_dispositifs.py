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
profile = "equilibre"  # profil de pondération
method = "arithmetic"  # méthode d'agrégation
normalisation = "goalposts"  # normalisation
seed = 20261128  # graine aléatoire
n_draws = 2000  # tirages Monte Carlo
families = ["budget_participatif", "appel_a_projets", "fonds_de_concours"]  # familles
run_dir = ""  # dossier de l'exécution (rempli par le lanceur)

# %%
from benchmark_tools import reporting as rp
from benchmark_tools.designs import position_design, positioning_figure
from benchmark_tools.typology import dendrogram_figure, loadings_figure, pca_figure, typology
from benchmark_tools.validate import load_project

rp.setup_notebook()
project = load_project()
types = typology(project, families, profile=profile, normalisation=normalisation, designs="all", seed=seed)

# %% [markdown]
# ## Typologie

# %%
rp.paragraph(types.summary_text())

# %%
rp.paragraph(types.missing_rule)

# %%
rp.html_table(types.clusters_dataframe(), "Groupes de dispositifs et ce qui les distingue")

# %%
rp.figure(pca_figure(types))

# %%
rp.figure(loadings_figure(types))

# %%
rp.figure(dendrogram_figure(types))

# %%
rp.html_table(types.to_dataframe(), "Chaque cas, son groupe et sa place sur la carte")

# %%
rp.html_table(types.neighbours_dataframe(), "Plus proches voisins de chaque cas")

# %% [markdown]
# ## Dispositifs candidats

# %%
positions = [position_design(project, d, profile, method, normalisation, n_draws, seed) for d in sorted(project.designs)]
rp.design_positions_table(positions)

# %%
for pos in positions:
    for block in rp.design_section(pos):
        display(block)
    display(rp.figure(positioning_figure(pos)))
