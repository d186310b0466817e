"""The ipywidgets user interface of the explorers: controls wired to the explorers' own methods.

Nothing is computed here: every callback calls a method of :class:`~benchmark_tools.explorer.WeightExplorer`
or :class:`~benchmark_tools.explorer.CaseExplorer` (duck-typed, so that this module does not import
them) and displays what it returns. ipywidgets and IPython (extra ``lab``) are imported inside the
functions only, so the package and its tests work without them.
"""

from __future__ import annotations

from .errors import InputError
from .pipeline import ranking_table
from .report_html import html_table
from .textutil import escape_html
from .vocabulary import METHOD_LABELS, METHODS, NORMALISATION_LABELS, NORMALISATIONS

_WIDE = {"description_width": "16em"}


def _close(fig) -> None:
    import matplotlib.pyplot as plt  # heavy: only the displayed figures need it

    plt.close(fig)


def _profile_options(explorer) -> list[tuple[str, str]]:
    """The profile dropdown's entries, « label (id) », by id (saved profiles included)."""
    return [(f"{pr.label_fr} ({pid})", pid) for pid, pr in sorted(explorer.profiles.items())]


class _WeightExplorerUI:
    """Sliders, dropdowns, live results and the save form of one :class:`WeightExplorer`.

    ``syncing`` is set while the controls are updated from the explorer (a profile loaded or
    saved), so that the sliders' own callbacks do not write the weights back.
    """

    def __init__(self, explorer):
        import ipywidgets as w  # optional extra ``lab``

        self.ex = explorer
        self.syncing = False
        self.sliders = {
            d: w.FloatSlider(value=round(explorer.weights[d], 3), min=0.0, max=1.0, step=0.01,
                             description=explorer.dimension_labels[d], style=_WIDE, readout_format=".2f",
                             continuous_update=False, layout=w.Layout(width="34em"))
            for d in explorer.dimension_ids
        }
        self.profile_dd = w.Dropdown(options=_profile_options(explorer), value=explorer.profile_id,
                                     description="Profil", style=_WIDE)
        self.method_dd = w.Dropdown(options=[(METHOD_LABELS[m], m) for m in METHODS],
                                    value=explorer.method, description="Méthode", style=_WIDE)
        self.norm_dd = w.Dropdown(options=[(NORMALISATION_LABELS[n], n) for n in NORMALISATIONS],
                                  value=explorer.normalisation, description="Normalisation", style=_WIDE)
        self.family_dd = w.Dropdown(options=[(explorer.project.families.label(f, plural=True), f)
                                             for f in explorer.family_ids],
                                    value=explorer.family, description="Famille", style=_WIDE)
        self._make_save_form(w)
        self.weights_html = w.HTML()
        self.out_table, self.out_heat, self.out_mc = w.Output(), w.Output(), w.Output()

    def _make_save_form(self, w) -> None:
        self.id_txt = w.Text(description="Identifiant", placeholder="mon_profil", style=_WIDE)
        self.label_txt = w.Text(description="Libellé", placeholder="Mon profil", style=_WIDE)
        self.view_txt = w.Textarea(description="Point de vue", placeholder="Quel point de vue ce profil représente",
                                   style=_WIDE, layout=w.Layout(width="40em"))
        self.why_txt = w.Textarea(description="Justification", placeholder="Pourquoi ces poids",
                                  style=_WIDE, layout=w.Layout(width="40em"))
        self.save_btn = w.Button(description="Enregistrer comme profil", icon="save",
                                 layout=w.Layout(width="16em"))
        self.message = w.HTML()

    # ------------------------------------------------------------------ results
    def refresh(self, _change=None) -> None:
        """Recompute and show the ranking, the heatmap and the rank intervals."""
        from IPython.display import HTML, display  # optional extra ``lab``

        if self.syncing:
            return
        ex = self.ex
        for out in (self.out_table, self.out_heat, self.out_mc):
            out.clear_output(wait=True)
        try:
            self.weights_html.value = f"<p><b>Poids normalisés</b> : {escape_html(ex.weights_caption())}</p>"
            res = ex.result()
            caption = (f"Classement — profil « {ex.profile_id} »" + (" modifié" if ex.modified else "")
                       + f", {METHOD_LABELS[ex.method]}")
            with self.out_table:
                display(HTML(html_table(ranking_table(res), caption).html))
            with self.out_heat:
                fig = ex.heatmap_figure()
                display(fig)
                _close(fig)
            with self.out_mc:
                fig = ex.rank_interval_figure()
                display(fig)
                _close(fig)
        except InputError as exc:
            self.weights_html.value = f'<p style="color:#a33">{escape_html(str(exc))}</p>'

    def sync_sliders(self) -> None:
        """Put the explorer's weights on the sliders without triggering their callbacks."""
        self.syncing = True
        try:
            for d, s in self.sliders.items():
                s.value = round(self.ex.weights[d], 3)
        finally:
            self.syncing = False

    # ------------------------------------------------------------------ callbacks
    def on_slider(self, dim: str):
        def handler(change):
            if self.syncing:
                return
            self.ex.set_weight(dim, change["new"])
            self.refresh()
        return handler

    def on_profile(self, change) -> None:
        if self.syncing:
            return
        self.ex.set_profile(change["new"])
        self.sync_sliders()
        self.refresh()

    def on_method(self, change) -> None:
        self.ex.set_method(change["new"])
        self.refresh()

    def on_norm(self, change) -> None:
        self.ex.set_normalisation(change["new"])
        self.refresh()

    def on_family(self, change) -> None:
        self.ex.set_family(change["new"])
        self.refresh()

    def on_save(self, _button) -> None:
        ex = self.ex
        try:
            path = ex.save_profile(self.id_txt.value, self.label_txt.value, self.view_txt.value, self.why_txt.value)
        except InputError as exc:
            self.message.value = ('<pre style="color:#a33;white-space:pre-wrap">'
                                  f"{escape_html(str(exc))}</pre>")
            return
        pid = self.id_txt.value.strip()
        self.syncing = True
        try:
            self.profile_dd.options = _profile_options(ex)
            self.profile_dd.value = pid
        finally:
            self.syncing = False
        # The saved profile has the same (normalised) weights: loading it changes nothing shown.
        ex.set_profile(pid)
        self.sync_sliders()
        self.message.value = f"<p>Profil enregistré : <code>{escape_html(str(path))}</code></p>"
        self.refresh()

    # ------------------------------------------------------------------ wiring and layout
    def wire(self) -> None:
        for d, s in self.sliders.items():
            s.observe(self.on_slider(d), names="value")
        self.profile_dd.observe(self.on_profile, names="value")
        self.method_dd.observe(self.on_method, names="value")
        self.norm_dd.observe(self.on_norm, names="value")
        self.family_dd.observe(self.on_family, names="value")
        self.save_btn.on_click(self.on_save)

    def controls(self) -> dict:
        return {"sliders": self.sliders, "profile": self.profile_dd, "method": self.method_dd,
                "normalisation": self.norm_dd, "family": self.family_dd, "id": self.id_txt, "label": self.label_txt,
                "viewpoint": self.view_txt, "rationale": self.why_txt, "save": self.save_btn,
                "message": self.message, "outputs": (self.out_table, self.out_heat, self.out_mc),
                "refresh": self.refresh}

    def layout(self):
        import ipywidgets as w  # optional extra ``lab``

        left = w.VBox([self.family_dd, self.profile_dd, self.method_dd, self.norm_dd,
                       w.HTML("<b>Poids des dimensions</b>"), *self.sliders.values()])
        save_box = w.VBox([w.HTML("<b>Enregistrer les poids actuels comme nouveau profil</b>"),
                           self.id_txt, self.label_txt, self.view_txt, self.why_txt, self.save_btn, self.message])
        tabs = w.Tab(children=[self.out_table, self.out_heat, self.out_mc])
        for i, title in enumerate(["Classement", "Scores par dimension", "Intervalles de rang"]):
            tabs.set_title(i, title)
        return w.VBox([w.HBox([left, save_box]), self.weights_html, tabs])


def weight_explorer_widget(explorer):
    """The interactive weight explorer: controls wired to ``explorer``, shown once computed.

    The controls are put in ``explorer.controls`` (for tests and scripts).

    Returns
    -------
    ipywidgets.VBox
    """
    ui = _WeightExplorerUI(explorer)
    ui.wire()
    explorer.controls = ui.controls()
    box = ui.layout()
    ui.refresh()
    return box


def case_explorer_widget(explorer, case_id: str | None = None):
    """A case dropdown and the sheet of the chosen case (controls in ``explorer.controls``)."""
    import ipywidgets as w  # optional extra ``lab``
    from IPython.display import Markdown, display

    fams = explorer.project.families
    options = [(f"{c.name} — {fams.label(c.family)}", c.id)
               for c in sorted(explorer.project.cases, key=lambda c: (c.family, c.name))]
    first = case_id or next((c.id for c in explorer.project.cases if c.baseline), options[0][1])
    dd = w.Dropdown(options=options, value=first, description="Cas",
                    style={"description_width": "4em"}, layout=w.Layout(width="48em"))
    out = w.Output()

    def refresh(_change=None):
        out.clear_output(wait=True)
        with out:
            display(Markdown(explorer.show(dd.value).markdown))

    dd.observe(refresh, names="value")
    explorer.controls = {"case": dd, "output": out}
    refresh()
    return w.VBox([dd, out])
