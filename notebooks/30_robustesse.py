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
# # Robustesse des classements
#
# Un rang ne vaut que s'il résiste à d'autres pondérations et méthodes raisonnables. Pour chaque famille : intervalles
# de rang sur des pondérations tirées autour du profil (Monte Carlo), acceptabilités de rang (SMAA-2), indices de
# Sobol (quel choix déplace le plus le classement), accord entre méthodes et entre profils, retrait d'une dimension.

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
from benchmark_tools.analysis import analyse_family
from benchmark_tools.plots import acceptability_bars, rank_interval_plot, sobol_bars
from benchmark_tools.project import load_project
from benchmark_tools.vocabulary import labelled

rh.setup_notebook()
project = load_project()
params = rp.run_params(profile=profile, method=method, normalisation=normalisation, seed=seed, n_draws=n_draws,
                       families=families)
analyses = [analyse_family(project, fam, params) for fam in params.families]

# %%
for fa in analyses:
    display(rh.heading(fa.label, 2))
    display(rp.family_table(fa))
    display(rp.robustness_words(fa, project))
    if fa.monte_carlo is not None:
        display(rh.figure(rank_interval_plot(fa, [c.id for c in project.cases_of(fa.family) if c.baseline], names=fa.names)))
        display(rh.figure(acceptability_bars(fa, project.settings.robustness.top_k, names=fa.names)))
        display(rh.html_table(labelled(fa.smaa.to_dataframe(max_rank=project.settings.robustness.top_k)),
                              "Acceptabilités de rang (SMAA-2)"))
        display(rh.figure(sobol_bars(fa.sobol)))
        display(rh.html_table(labelled(fa.sobol.to_dataframe()), "Indices de Sobol du décalage moyen des rangs"))
        display(rh.html_table(fa.methods_agreement.reset_index(), "Accord entre méthodes (tau de Kendall)"))
        if fa.profiles_agreement is not None:
            display(rh.html_table(fa.profiles_agreement.reset_index(), "Accord entre profils (tau de Kendall)"))
        display(rh.html_table(labelled(fa.loo_dimensions.to_dataframe()), "Retrait d'une dimension : décalage des rangs"))
