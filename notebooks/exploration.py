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
# # Exploration interactive
#
# Ce notebook sert à **explorer**, pas à produire le rapport (il n'est pas exécuté par `make report`).
# Ouvrez-le dans JupyterLab (`make lab`) et exécutez les cellules dans l'ordre : les curseurs et les
# menus réagissent aussitôt.
#
# - **Explorateur de pondérations** : un curseur par dimension ; le classement, la carte des scores par
#   dimension et les intervalles de rang (tirages de Monte Carlo autour des poids choisis) se mettent à
#   jour à chaque changement. Les poids trouvés peuvent être enregistrés comme nouveau profil.
# - **Explorateur de cas** : la fiche d'un cas (faits et sources, critères et preuves, couverture) et
#   les dispositifs qui lui ressemblent le plus.
# - **Redondance entre critères** : les paires de critères si corrélées qu'elles comptent peut-être deux
#   fois la même chose.
#
# Tous les calculs sont faits par le paquet `benchmark_tools` ; ce notebook ne fait que les appeler.

# %% tags=["parameters"]
family = None  # famille classée au départ (budget_participatif, appel_a_projets…) ; None = la première de benchmark/report.yml
profile = None  # profil chargé au départ ; None = celui de benchmark/report.yml
method = None  # arithmetic, geometric, topsis, promethee ; None = celle de benchmark/report.yml
normalisation = None  # goalposts, minmax, zscore, rank ; None = celle de benchmark/report.yml
case_id = "rennes_ville_bp"  # cas affiché au départ dans l'explorateur de cas
redundancy_normalisation = None  # échelle des valeurs comparées pour la redondance ; None = bornes fixes (goalposts)

# %%
from IPython.display import Markdown

from benchmark_tools import report_html as rh
from benchmark_tools.explorer import CaseExplorer, WeightExplorer, redundancy_table
from benchmark_tools.formats import fmt_number
from benchmark_tools.pipeline import ranking_table
from benchmark_tools.project import load_project

rh.setup_notebook()
project = load_project()

# %% [markdown]
# ## Explorateur de pondérations
#
# Choisissez la famille, le profil de départ, la méthode d'agrégation et la normalisation, puis déplacez
# les curseurs. Chaque curseur donne le poids *relatif* d'une dimension : l'outil ramène toujours la somme
# des poids à 100 % (la ligne « Poids normalisés » montre le résultat). Mettre un curseur à zéro retire la
# dimension du calcul.
#
# Trois onglets se mettent à jour :
#
# 1. **Classement** : rang, score et couverture de chaque cas ; les cas trop peu documentés sont montrés à part ;
# 2. **Scores par dimension** : ce que chaque cas obtient dans chaque dimension (indépendant des poids) ;
# 3. **Intervalles de rang** : la plage de rangs qu'occupe chaque cas quand on fait varier les poids au
#    hasard autour des poids choisis (réglages de `benchmark/settings.yml`, nombre de tirages et graine de
#    `benchmark/report.yml`). Une plage étroite signale un rang qui ne dépend pas d'un réglage fin des poids.
#
# Pour garder des poids, remplissez l'identifiant (minuscules, chiffres et `_`), le libellé, le point de
# vue et la justification, puis cliquez sur **Enregistrer comme profil** : le fichier
# `benchmark/profiles/<identifiant>.yml` est vérifié avec les mêmes règles que `make validate`, et un
# profil existant n'est jamais écrasé.

# %%
weights = WeightExplorer(project, family=family, profile=profile, method=method, normalisation=normalisation)
weights.widget()

# %% [markdown]
# Le classement avec les poids de départ, en tableau (visible aussi quand le notebook est lu sans être exécuté) :

# %%
rh.html_table(ranking_table(weights.result()), f"Classement de départ — profil « {weights.profile_id} »")

# %% [markdown]
# ## Explorateur de cas
#
# Choisissez un cas dans la liste. La fiche reprend chaque fait avec son année, son niveau de confiance
# (documenté, calculé, codé) et sa source, puis chaque critère renseigné avec la preuve citée. Les
# **dispositifs les plus proches** viennent de la typologie (distance entre profils par dimension) ;
# pour un cas écarté de la typologie faute de données, ils sont cherchés dans sa famille, sur les seules
# dimensions renseignées par les deux cas, et la fiche le précise.

# %%
cases = CaseExplorer(project)
cases.widget(case_id)

# %% [markdown]
# La fiche du cas de départ :

# %%
Markdown(cases.show(case_id).markdown)

# %% [markdown]
# ## Redondance entre critères
#
# Deux critères très corrélés sur l'ensemble des cas codés comptent peut-être deux fois la même chose et
# pèsent alors double dans le score. La corrélation de Pearson est calculée sur les valeurs normalisées
# (0 à 1, bornes fixes de chaque famille), paire par paire, sur les cas qui renseignent les deux critères.
# Une paire est signalée quand |r| dépasse le seuil de `benchmark/settings.yml` (`redundancy.threshold`)
# et n'est calculée qu'à partir du nombre minimal de cas communs (`redundancy.min_pairs`). Une paire
# signalée n'est pas une erreur : c'est une question à trancher (fusionner, garder en le justifiant,
# réduire le poids de l'un des deux).

# %%
redundancy = redundancy_table(project, normalisation=redundancy_normalisation)
settings_r = project.settings.redundancy
flagged = redundancy[redundancy["Redondant"]]
Markdown(f"**{len(flagged)} paire(s) signalée(s)** sur {int(redundancy['r'].notna().sum())} paires calculables "
         f"(seuil |r| > {fmt_number(settings_r.threshold, 2)}, au moins {settings_r.min_pairs} cas communs).")

# %%
rh.html_table(flagged, "Paires de critères signalées comme redondantes", dec={"r": 2})

# %% [markdown]
# Les paires les plus corrélées, signalées ou non :

# %%
rh.html_table(redundancy[redundancy["r"].notna()].head(15), "Quinze corrélations les plus fortes (en valeur absolue)",
              dec={"r": 2})
