#!/usr/bin/env bash
# Vérification sur un clone neuf : le dépôt tel qu'il est commité (HEAD) est cloné dans un dossier
# temporaire, puis « make test » et « make report » y sont lancés comme sur une machine neuve
# (l'environnement .venv y est recréé : une étape d'installation oubliée fait échouer la vérification).
# « make test » est la suite rapide (sans les tests marqués « slow ») : .ci/run lance les autres
# (make test-slow) avant cette vérification.
#
# Usage : bash scripts/fresh_clone_check.sh        (ou : make freshcheck)
# Variables : GARDER=1 garde le dossier temporaire pour inspection ; PYTHON=python3.12 choisit
# l'interpréteur qui crée l'environnement.
# Code de sortie : celui de la première étape qui échoue (0 si tout passe).
set -uo pipefail

DEPOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TMP="$(mktemp -d "${TMPDIR:-/tmp}/benchmark_clone_neuf.XXXXXX")"
CLONE="$TMP/depot"

nettoyer() {
    if [ "${GARDER:-0}" = "1" ]; then
        echo "Dossier temporaire gardé pour inspection : $TMP"
    else
        echo "Nettoyage : suppression de $TMP"
        rm -rf "$TMP"
    fi
}
trap nettoyer EXIT

etape() {
    # etape « libellé » commande… : affiche, exécute, s'arrête au premier échec avec son code.
    local libelle="$1"; shift
    echo ""
    echo "==> $libelle"
    echo "    \$ $*"
    local debut=$SECONDS
    "$@"
    local code=$?
    if [ $code -ne 0 ]; then
        echo ""
        echo "ÉCHEC : « $libelle » a échoué (code $code) après $((SECONDS - debut)) s."
        exit $code
    fi
    echo "    terminé en $((SECONDS - debut)) s"
}

if ! git -C "$DEPOT" rev-parse --verify HEAD >/dev/null 2>&1; then
    echo "ÉCHEC : $DEPOT n'est pas un dépôt git avec au moins un commit."
    exit 1
fi
echo "Vérification sur un clone neuf de $DEPOT"
echo "Commit vérifié : $(git -C "$DEPOT" log -1 --format='%h %s')"
if [ -n "$(git -C "$DEPOT" status --porcelain --untracked-files=normal 2>/dev/null)" ]; then
    echo "Attention : le dossier de travail contient des modifications non commitées ; elles ne sont pas"
    echo "vérifiées (seul le commit HEAD est cloné)."
fi

etape "Clonage du dépôt (HEAD) dans $CLONE" git clone --quiet --no-hardlinks "$DEPOT" "$CLONE"
cd "$CLONE" || exit 1
etape "make test : création de l'environnement et tests" make test ${PYTHON:+PYTHON=$PYTHON}
etape "make report : vérification des données et rendu du rapport" make report ${PYTHON:+PYTHON=$PYTHON}
etape "Présence du rapport HTML et PDF" test -s reports/latest/preconisations.html -a -s reports/latest/preconisations.pdf

echo ""
echo "Clone neuf : installation, tests et rapport fonctionnent."
exit 0
