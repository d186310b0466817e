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
from benchmark_tools import report_blocks as rp
from benchmark_tools import report_html as rh
from benchmark_tools.designs import position_design, positioning_figure
from benchmark_tools.plots import dendrogram_figure, loadings_figure, pca_figure
from benchmark_tools.project import load_project
from benchmark_tools.typology import typology

rh.setup_notebook()
project = load_project()
types = typology(project, families, profile=profile, normalisation=normalisation, designs="all", seed=seed)

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
positions = [position_design(project, d, profile, method, normalisation, n_draws, seed) for d in sorted(project.designs)]
rp.design_positions_table(positions)

# %%
for pos in positions:
    for block in rp.design_section(pos):
        display(block)
    display(rh.figure(positioning_figure(pos)))
