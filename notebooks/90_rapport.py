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

# %% tags=["parameters"]
# Chaque paramètre laissé à None prend sa valeur dans benchmark/report.yml (le lanceur y injecte celles de l'exécution).
title = None  # titre du rapport
profile = None  # profil de pondération (benchmark/profiles)
method = None  # méthode d'agrégation : arithmetic, geometric, topsis, promethee
normalisation = None  # normalisation : goalposts, minmax, zscore, rank
seed = None  # graine aléatoire
n_draws = None  # tirages Monte Carlo
families = None  # familles (liste d'identifiants)
run_dir = None  # dossier de l'exécution (rempli par le lanceur ; None : rien n'est écrit)

# %% tags=["remove_cell"]
from benchmark_tools import report_blocks as rp
from benchmark_tools import report_html as rh
from benchmark_tools.analysis import analyse_family
from benchmark_tools.designs import position_design, positioning_figure
from benchmark_tools.plots import (
    acceptability_bars,
    dimension_heatmap,
    pca_figure,
    profile_heatmap,
    rank_interval_plot,
    sobol_bars,
)
from benchmark_tools.project import load_project
from benchmark_tools.recommend import recommend_all
from benchmark_tools.typology import typology

rh.setup_notebook()
project = load_project()
params = rp.run_params(title=title, profile=profile, method=method, normalisation=normalisation, seed=seed,
                       n_draws=n_draws, families=families)
analyses = [analyse_family(project, fam, params) for fam in params.families]
labels = {d.id: d.label_fr for d in project.catalogue.dimensions}
types = typology(project, params.families, profile=params.profile, normalisation=params.normalisation, designs="all",
                 seed=params.seed)
positions = [position_design(project, d, params.profile, params.method, params.normalisation, params.n_draws, params.seed)
             for d in sorted(project.designs)]
recommendations = recommend_all(project, params, params.families)
# Faits à rechercher : l'effet de chaque donnée manquante sur les conclusions (CSV dans le dossier de l'exécution).
from benchmark_tools.gaps import family_gaps
from benchmark_tools.uncertainty_report import gaps_annex, missing_priors_section, write_gaps_csv

gaps = {fam: family_gaps(project, fam, params) for fam in recommendations.sets}
write_gaps_csv(gaps, run_dir)

# At scale (settings.report.max_table_rows), the long tables and the case sheets show the top of each
# ranking and the Rennes instruments; the full tables go to CSV in the run folder.
shown = rp.shown_cases(project, analyses)

# %%
rp.title_page(project, params)

# %%
rp.toc()

# %% [markdown]
# ## Synthèse

# %%
rp.executive_summary(project, analyses, params, recommendations, gaps)

# %% [markdown]
# ## Contexte et méthode
#
# **La demande.** Rennes Métropole (43 communes) veut donner aux habitants, aux associations et aux communes un réel
# pouvoir d'agir sur la transition écologique, en complément de son plan climat (PCAET) et de sa charte de la
# participation citoyenne de 2022. Avant de lancer de nouveaux dispositifs — un budget participatif, des appels à
# projets, des fonds de concours aux communes — la direction de la participation a comparé ce que font d'autres
# territoires, en France et à l'étranger.
#
# **Les cas.** Chaque dispositif étudié est décrit par des faits tirés de pages publiques : chaque valeur garde son
# adresse, l'année à laquelle elle se rapporte et son niveau de confiance (écrite par la source, calculée à partir
# d'autres faits, ou codée sur une grille à partir d'une citation). Quand une page manque, la valeur manque : elle
# n'est jamais estimée.
#
# **Les critères.** Les dispositifs sont évalués sur des critères regroupés en sept dimensions — pouvoir d'agir,
# inclusion, qualité délibérative, transition écologique, transparence, efficience, adéquation territoriale — tirés
# des cadres d'évaluation publiés (Cabannes pour ONU-Habitat, Sintomer, Smith, OCDE, Arnstein et IAP2, budget vert
# I4CE) et adaptés par le projet, ce que le référentiel en annexe signale critère par critère.
#
# **Le calcul.** Chaque critère est ramené entre 0 et 1 (niveau de grille divisé par 4 ; bornes fixes pour les
# critères chiffrés, pour qu'un cas ajouté ne déplace pas les autres). Les critères sont moyennés dans leur dimension,
# puis les dimensions agrégées avec les poids du profil. Un critère sans valeur est écarté et les poids des autres
# critères de sa dimension sont relevés d'autant ; un critère sans objet pour une famille n'est pas compté comme
# zéro. Les classements se font à l'intérieur d'une famille.
#
# **La robustesse.** Les poids sont des choix politiques, et beaucoup de critères ne sont pas documentés. Le rapport
# ne donne donc jamais un rang seul : il donne l'intervalle des rangs obtenus sur des milliers de tirages où les poids
# varient autour du profil et où chaque critère non documenté prend une valeur plausible (observée chez les cas de la
# famille qui le documentent), la probabilité d'être dans le trio de tête, et le choix de méthode qui déplace le plus
# le classement. Un cas peu documenté reçoit un intervalle large plutôt qu'un rang flatteur.

# %%
rp.method_summary(project, params)

# %% [markdown]
# ## Les cas étudiés

# %%
rp.cases_overview(project)

# %%
rp.coverage_words(project, analyses)

# %% [markdown]
# ## Résultats par famille
#
# Pour chaque famille : le classement avec l'intervalle de rang, le profil des cas par dimension, puis la part des
# pondérations plausibles où chaque cas occupe les premières places.

# %%
for fa in analyses:
    display(rh.heading(fa.label, 3))
    display(rp.baseline_position(fa, project))
    display(rp.family_table(fa, project, run_dir))
    display(rh.figure(dimension_heatmap(fa.result, labels, names=fa.names)))
    if fa.monte_carlo is not None:
        display(rh.figure(rank_interval_plot(fa, [c.id for c in project.cases_of(fa.family) if c.baseline], names=fa.names)))
        display(rh.figure(acceptability_bars(fa, project.settings.robustness.top_k, names=fa.names)))

# %% [markdown]
# ### Entre familles : les profils par dimension
#
# Les critères diffèrent d'une famille à l'autre : on ne compare donc pas un indice unique entre un budget
# participatif et un fonds de concours, mais leurs profils par dimension (chacun calculé dans sa famille) — la
# médiane des cas classés de chaque famille et les dispositifs actuels de Rennes.

# %%
rh.figure(profile_heatmap(rp.cross_family_profiles(project, analyses)))

# %% [markdown]
# ## Robustesse : ce qui fait bouger les classements
#
# Un classement **stable** garde à peu près ses positions quelles que soient les pondérations raisonnables ; un
# classement **fragile** dépend des poids choisis, et il faut alors discuter des poids plutôt que des rangs. L'analyse
# de sensibilité de Sobol dit quel choix — le poids d'une dimension, la méthode d'agrégation ou la normalisation —
# explique la plus grande part des changements de rang.

# %%
for fa in analyses:
    display(rh.heading(fa.label, 3, anchor="robustesse-" + fa.family))
    display(rp.robustness_words(fa, project))
    display(missing_priors_section(fa, project.settings.robustness.top_k))
    if fa.sobol is not None and not fa.sobol_negligible:
        display(rh.figure(sobol_bars(fa.sobol)))

# %% [markdown]
# ## Typologie des dispositifs
#
# Au-delà du classement, les cas se regroupent en familles de conception. La carte place chaque cas selon son profil
# par dimension (analyse en composantes principales) ; les couleurs sont les groupes trouvés par classification
# (k-moyennes, nombre de groupes choisi par l'indice de silhouette). Les dispositifs candidats pour Rennes Métropole
# sont placés sur la même carte, sans entrer dans le calcul.

# %%
rh.paragraph(types.summary_text())

# %%
rh.paragraph(types.missing_rule, "petit")

# %%
rh.html_table(types.clusters_dataframe(), "Groupes de dispositifs et ce qui les distingue")

# %%
rh.figure(pca_figure(types))

# %% [markdown]
# ## Les dispositifs candidats pour Rennes Métropole
#
# Trois dispositifs que la Métropole pourrait lancer, et ses dispositifs actuels (statu quo), ont été décrits avec les
# mêmes paramètres que les cas et codés *ex ante* sur les critères, chaque niveau avec sa justification. Ils sont notés
# avec le même moteur et la même analyse de robustesse que les cas de leur famille. Un dispositif codé sur ses
# intentions est avantagé face à des cas jugés sur des preuves : sa position est un ordre de grandeur, et la liste des
# leviers (ce qui ferait le plus progresser le score) est l'information la plus utile.

# %%
rp.design_positions_table(positions)

# %%
for pos in positions:
    for block in rp.design_section(pos):
        display(block)
    display(rh.figure(positioning_figure(pos)))

# %% [markdown]
# ## Préconisations
#
# Chaque préconisation découle d'une règle écrite à l'avance (`benchmark/recommendations.yml`) et évaluée sur les
# données : elle n'est émise que si des cas documentés la soutiennent, et elle cite ces cas, leurs valeurs et leurs
# sources. Les fourchettes de paramètres sont des repères descriptifs observés chez les autres, pas des normes. Les
# arbitrages à discuter (délégation et contrôle juridique, exigence climat et charge des dossiers, apport propre et
# accès des petites communes) sont rappelés avec les préconisations concernées. Le groupe de tête est désigné en
# tirant ensemble les poids et les valeurs plausibles des critères non documentés ; chaque préconisation indique la
# part des tirages où elle reste retenue quand le groupe de tête est recalculé. Seules celles retenues dans au moins
# 80 % des tirages sont dites prioritaires ; les autres sont des pistes, qui dépendent de faits non documentés (voir
# l'annexe « Faits à rechercher en priorité »).

# %%
rp.recommendations_annex(recommendations)

# %% [markdown]
# ## Pour Rennes Métropole : montants, scénarios et avis des services
#
# Les fourchettes des préconisations traduites en millions d'euros par an, en montants par commune et en nombre de
# projets pour la Métropole (formule et sources de chaque chiffre), trois scénarios par famille, et l'avis des services
# rencontrés. La note de synthèse (`note_de_synthese.pdf` et `.docx`) reprend ces mêmes tableaux.

# %%
from benchmark_tools.note import build_note, report_sections  # noqa: E402

for block in report_sections(build_note(project, params, recommendations, with_chart=False)):
    display(block)

# %% [markdown]
# ## Annexes
#
# ### Faits à rechercher en priorité

# %%
gaps_annex(gaps, project, project.settings.robustness.gaps_top)

# %% [markdown]
# ### Questions aux services de Rennes Métropole
#
# Ce que les pages publiques ne disent pas des dispositifs rennais, critère par critère, et la pièce qui
# trancherait : rien n'a été codé à la place de ces réponses (`data/questions/`).

# %%
rp.services_questions(project)

# %% [markdown]
# ### Référentiel des critères

# %%
rp.criteria_annex(project)

# %% [markdown]
# ### Fiches des cas
#
# Chaque fiche donne les faits avec leur source et leur année, puis les critères codés avec la citation qui les
# justifie.

# %%
if shown is not None:
    display(rh.paragraph("Fiches des cas montrés dans les classements (haut de chaque classement et dispositifs "
                         "de Rennes) ; la fiche de tout autre cas s'affiche avec « benchmark-tools show <identifiant> ».",
                         "petit"))
for sheet in rp.case_sheets(project, shown=shown):
    display(sheet)

# %% [markdown]
# ### Couverture des données et conflits de sources

# %%
rp.cases_list(project, shown=shown, run_dir=run_dir)

# %%
rp.conflicts_table(project)

# %% [markdown]
# ### Sources des cas (sites, par nombre de valeurs)

# %%
rp.case_sites(project)

# %% [markdown]
# ### Bibliographie

# %%
rp.bibliography(project)

# %% [markdown]
# ### Glossaire
#
# - **Budget participatif** : part du budget d'une collectivité dont les habitants proposent puis choisissent
#   l'usage, le plus souvent par un vote.
# - **Appel à projets** : financement, sur dossier et selon des critères publiés, d'initiatives portées par des
#   habitants, des associations ou des communes.
# - **Fonds de concours** : contribution d'une intercommunalité au financement d'un équipement d'une commune membre
#   (ou l'inverse), décidée par des délibérations concordantes ; son montant ne peut dépasser la part financée par
#   la commune elle-même, hors subventions.
# - **PCAET** : plan climat-air-énergie territorial, la stratégie climat d'une intercommunalité.
# - **Couverture** : part des critères applicables à un cas pour lesquels une valeur sourcée existe.
# - **Intervalle de rang (5–95 %)** : les rangs entre lesquels un cas se situe dans 90 % des pondérations
#   plausibles tirées autour du profil.
# - **Monte Carlo** : répétition du calcul sur des milliers de pondérations tirées au hasard autour du profil.
# - **SMAA** (analyse d'acceptabilité multicritère stochastique) : la part des pondérations plausibles qui donne à
#   chaque cas chaque rang ; le poids central d'un cas est la pondération moyenne qui le place premier.
# - **Indice de Sobol** : la part des variations du classement qu'explique un choix (un poids, la méthode, la
#   normalisation), seul (premier ordre) ou avec ses interactions (indice total).
# - **TOPSIS, PROMETHEE II** : deux autres méthodes d'agrégation, utilisées pour vérifier que le classement ne
#   dépend pas de la seule moyenne pondérée.
