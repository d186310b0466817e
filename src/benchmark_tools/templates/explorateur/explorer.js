"use strict";
// Offline weight explorer. The computations mirror the Python engine step by step (see
// benchmark_tools/explorer_page.py): dimension scores (missing-aware weighted mean of the
// criteria), arithmetic or geometric mean across dimensions, coverage rule, competition ranks
// with the engine's tie tolerance. Every text from the data is inserted with textContent.
(function () {
  const DATA = JSON.parse(document.getElementById("donnees").textContent);
  const S = DATA.settings;
  const DIMS = DATA.dimensions;
  const ID_RE = /^[a-z][a-z0-9_]*$/;
  const state = { family: null, profile: null, method: null, normalisation: null, weights: [] };

  const $ = (id) => document.getElementById(id);
  const NBSP = "\u202f";
  const fmt = (x, digits) => x.toFixed(digits).replace(".", ",");
  const pct = (x) => fmt(100 * x, 1) + NBSP + "%";

  function family() { return DATA.families.find((f) => f.id === state.family); }
  function profile(id) { return DATA.profiles.find((p) => p.id === id); }

  // ------------------------------------------------------------------ engine (same as Python)

  function familyWeights(f) {
    // Weights of the family's dimensions, in the order of f.dimensions, normalised to sum to 1.
    const raw = f.dimensions.map((d) => state.weights[DIMS.indexOf(d)] || 0);
    const total = raw.reduce((a, b) => a + b, 0);
    return total > 0 ? raw.map((w) => w / total) : null;
  }

  function criterionWeights(f, p) {
    return f.criteria.map((c) => (Object.prototype.hasOwnProperty.call(p.criterion_weights, c)
      ? p.criterion_weights[c] : 1.0));
  }

  function dimensionScores(f, x, cw) {
    const nd = f.dimensions.length;
    return f.cases.map((_, i) => {
      const num = new Array(nd).fill(0), den = new Array(nd).fill(0);
      f.criteria.forEach((_, j) => {
        if (f.status[i][j] === 0) {
          const d = f.dimension_of_criterion[j];
          num[d] += cw[j] * x[i][j];
          den[d] += cw[j];
        }
      });
      return num.map((v, d) => (den[d] > 0 ? v / den[d] : NaN));
    });
  }

  function overall(ds, w, method) {
    return ds.map((s) => {
      let num = 0, den = 0;
      s.forEach((v, d) => {
        if (!Number.isNaN(v)) {
          num += w[d] * (method === "geometric" ? Math.log(Math.max(v, S.geometric_floor)) : v);
          den += w[d];
        }
      });
      if (!(den > 0)) return NaN;
      return method === "geometric" ? Math.exp(num / den) : num / den;
    });
  }

  function applyPolicy(f, scores) {
    const out = scores.map((s, i) => (S.policy === "exclude" && !f.eligible[i] ? NaN : s));
    const ranked = out.map((s, i) => f.eligible[i] && Number.isFinite(s));
    return [out, ranked];
  }

  function rankDesc(scores, ranked) {
    // Competition ranks; a run of scores each within tie_tolerance of the previous one is tied.
    const idx = scores.map((_, i) => i).filter((i) => ranked[i]);
    idx.sort((a, b) => (scores[b] - scores[a]) || (a - b));
    const ranks = new Array(scores.length).fill(0);
    let first = 0;
    idx.forEach((i, p) => {
      if (p > 0 && scores[idx[p - 1]] - scores[i] > S.tie_tolerance) first = p;
      ranks[i] = first + 1;
    });
    return ranks;
  }

  function mulberry32(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function monteCarlo(f, ds, w, ranked0) {
    // The report's multiplicative scheme: each weight times U(1 − f, 1 + f), renormalised.
    const rand = mulberry32(S.seed);
    const n = f.cases.length, fct = S.noise_factor;
    const counts = f.cases.map(() => new Array(n + 1).fill(0));
    for (let k = 0; k < S.n_draws; k++) {
      const wk = w.map((v) => v * (1 - fct + 2 * fct * rand()));
      const tot = wk.reduce((a, b) => a + b, 0);
      const wn = wk.map((v) => v / tot);
      const [sc, rk] = applyPolicy(f, overall(ds, wn, state.method));
      const ranks = rankDesc(sc, rk);
      ranks.forEach((r, i) => { counts[i][r] += 1; });
    }
    const quantile = (c, q) => {
      let tot = 0; for (let r = 1; r <= n; r++) tot += c[r];
      if (tot === 0) return NaN;
      let cdf = 0;
      for (let r = 1; r <= n; r++) { cdf += c[r]; if (cdf >= q * tot - 1e-9) return r; }
      return n;
    };
    return counts.map((c) => {
      const tot = c.slice(1).reduce((a, b) => a + b, 0);
      let top = 0; for (let r = 1; r <= Math.min(S.top_k, n); r++) top += c[r];
      return { lo: quantile(c, 0.05), hi: quantile(c, 0.95), pTop: tot ? top / S.n_draws : 0 };
    });
  }

  function compute() {
    const f = family();
    const p = profile(state.profile);
    const w = familyWeights(f);
    if (!w) return null;
    const x = f.normalised[state.normalisation];
    const ds = dimensionScores(f, x, criterionWeights(f, p));
    const [scores, ranked] = applyPolicy(f, overall(ds, w, state.method));
    const ranks = rankDesc(scores, ranked);
    const mc = monteCarlo(f, ds, w, ranked);
    return { f, ds, scores, ranked, ranks, mc };
  }

  // ------------------------------------------------------------------ rendering

  function statusLabel(f, i, res) {
    if (res.ranked[i]) return "classé";
    if (!f.eligible[i]) return S.policy === "exclude" ? "exclu (couverture faible)" : "à part (couverture faible)";
    return "non noté (aucune donnée pondérée)";
  }

  function order(res) {
    const idx = res.f.cases.map((_, i) => i);
    const key = (i) => (res.ranked[i] ? res.ranks[i] : 1e9);
    const sc = (i) => (Number.isFinite(res.scores[i]) ? res.scores[i] : -Infinity);
    return idx.sort((a, b) => (key(a) - key(b)) || (sc(b) - sc(a)) || (a - b));
  }

  function cell(tr, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
    return td;
  }

  function renderTable(res) {
    const f = res.f;
    const body = document.querySelector("#classement tbody");
    body.replaceChildren();
    const rows = order(res);
    rows.forEach((i) => {
      const tr = document.createElement("tr");
      tr.dataset.case = f.cases[i].id;
      tr.dataset.rank = String(res.ranks[i]);
      tr.dataset.score = Number.isFinite(res.scores[i]) ? String(res.scores[i]) : "";
      if (f.cases[i].baseline) tr.classList.add("rennes");
      if (!res.ranked[i]) tr.classList.add("apart");
      cell(tr, res.ranked[i] ? String(res.ranks[i]) : "—", "nombre");
      const name = cell(tr, f.cases[i].name);
      if (f.cases[i].baseline) {
        const tag = document.createElement("span");
        tag.className = "etiquette";
        tag.textContent = "dispositif rennais";
        name.append(" ", tag);
      }
      name.title = f.cases[i].full_name;
      cell(tr, Number.isFinite(res.scores[i]) ? fmt(res.scores[i], 3) : "—", "nombre");
      const m = res.mc[i];
      cell(tr, Number.isNaN(m.lo) ? "—" : (m.lo === m.hi ? String(m.lo) : m.lo + "–" + m.hi), "nombre");
      cell(tr, f.coverage[i] === null ? "—" : fmt(100 * f.coverage[i], 0) + NBSP + "%", "nombre");
      cell(tr, statusLabel(f, i, res));
      body.appendChild(tr);
    });
    const p = profile(state.profile);
    $("titre-classement").textContent = "Classement — " + f.label;
    $("legende-classement").textContent = "Méthode : " + DATA.methods.find((m) => m.id === state.method).label
      + " ; normalisation : " + DATA.normalisation_labels[state.normalisation] + " ; profil de départ : " + p.label
      + ". Intervalle : rangs atteints dans 90 % de " + S.n_draws
      + " tirages des poids autour des poids choisis (±" + fmt(100 * S.noise_factor, 0) + NBSP
      + "% sur chaque poids). Lignes surlignées : dispositifs de Rennes.";
    const leaders = rows.filter((i) => res.ranked[i] && res.mc[i].pTop >= S.stability_threshold)
      .map((i) => f.cases[i].name);
    $("tete").textContent = leaders.length
      ? "Tête de classement robuste (dans les " + S.top_k + " premiers dans au moins " + fmt(100 * S.stability_threshold, 0)
        + NBSP + "% des tirages) : " + leaders.join(", ") + "."
      : "Aucun cas ne reste dans les " + S.top_k + " premiers dans au moins " + fmt(100 * S.stability_threshold, 0)
        + NBSP + "% des tirages : la tête du classement dépend des poids.";
  }

  function svg(tag, attrs) {
    const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.entries(attrs || {}).forEach(([k, v]) => e.setAttribute(k, String(v)));
    return e;
  }

  function colour(v) {
    // White (0) to the report's blue (1).
    const mix = (a, b) => Math.round(a + (b - a) * v);
    return "rgb(" + mix(255, 31) + "," + mix(255, 95) + "," + mix(255, 139) + ")";
  }

  function renderChart(res) {
    const f = res.f;
    const rows = order(res);
    const labelW = 260, cw = 64, ch = 20, head = 120;
    const short = (s) => (s.length > 38 ? s.slice(0, 37) + "…" : s);
    // Extra room on the right for the last turned header.
    const width = labelW + cw * f.dimensions.length + 110, height = head + ch * rows.length + 4;
    const root = svg("svg", { viewBox: "0 0 " + width + " " + height, width: width, height: height,
      role: "img", "aria-label": "Scores par dimension des cas de la famille" });
    f.dimensions.forEach((d, k) => {
      // Column headers turned by 40° so that long dimension names do not overlap.
      const x = labelW + cw * k + cw / 2, y = head - 6;
      const t = svg("text", { x: x, y: y, "font-size": 11, transform: "rotate(-40 " + x + " " + y + ")" });
      t.textContent = short(DATA.dimension_labels[DIMS.indexOf(d)]);
      root.appendChild(t);
    });
    rows.forEach((i, r) => {
      const y = head + ch * r;
      const t = svg("text", { x: labelW - 6, y: y + ch * 0.68, "text-anchor": "end", "font-size": 11,
        "font-weight": f.cases[i].baseline ? 700 : 400 });
      t.textContent = short(f.cases[i].name);
      const full = svg("title");
      full.textContent = f.cases[i].full_name;
      t.appendChild(full);
      root.appendChild(t);
      res.ds[i].forEach((v, k) => {
        const x = labelW + cw * k;
        root.appendChild(svg("rect", { x: x + 1, y: y + 1, width: cw - 2, height: ch - 2,
          fill: Number.isNaN(v) ? "#ffffff" : colour(v), stroke: "#c9d2db" }));
        if (!Number.isNaN(v)) {
          const tv = svg("text", { x: x + cw / 2, y: y + ch * 0.68, "text-anchor": "middle", "font-size": 10,
            fill: v > 0.55 ? "#ffffff" : "#1d2733" });
          tv.textContent = fmt(v, 2);
          root.appendChild(tv);
        }
      });
    });
    $("graphique").replaceChildren(root);
  }

  function renderSliders() {
    const f = family();
    const total = state.weights.reduce((a, b) => a + b, 0);
    DIMS.forEach((d, k) => {
      const input = $("w-" + d), out = $("o-" + d);
      const share = total > 0 ? state.weights[k] / total : 0;
      input.value = String(state.weights[k]);
      out.textContent = pct(share);
      input.setAttribute("aria-valuetext", pct(share));
      input.disabled = !f.dimensions.includes(d);
    });
  }

  // ------------------------------------------------------------------ permalink and state

  function writeHash() {
    const params = new URLSearchParams();
    params.set("famille", state.family);
    params.set("profil", state.profile);
    params.set("methode", state.method);
    params.set("normalisation", state.normalisation);
    // Full precision (shortest round-trip form), so that a permalink restores exactly the same scores.
    params.set("poids", DIMS.map((d, k) => d + ":" + String(state.weights[k])).join(","));
    const h = "#" + params.toString();
    if (location.hash !== h) {
      try { history.replaceState(null, "", h); } catch (e) { location.replace(h); }
    }
  }

  function setProfile(id) {
    const p = profile(id);
    state.profile = id;
    const total = p.weights.reduce((a, b) => a + b, 0);
    state.weights = p.weights.map((w) => (100 * w) / total);
  }

  function readHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const problems = [];
    const pick = (key, allowed, fallback) => {
      const v = params.get(key);
      if (v === null) return fallback;
      if (allowed.includes(v)) return v;
      problems.push("« " + key + " » inconnu dans l'adresse");
      return fallback;
    };
    state.family = pick("famille", DATA.families.map((f) => f.id), DATA.defaults.family);
    setProfile(pick("profil", DATA.profiles.map((p) => p.id), DATA.defaults.profile));
    state.method = pick("methode", DATA.methods.map((m) => m.id), DATA.defaults.method);
    state.normalisation = pick("normalisation", DATA.normalisations, DATA.defaults.normalisation);
    const raw = params.get("poids");
    if (raw) {
      const w = state.weights.slice();
      let ok = true;
      raw.split(",").forEach((item) => {
        const [d, v] = item.split(":");
        const k = DIMS.indexOf(d), x = Number(v);
        if (k < 0 || !Number.isFinite(x) || x < 0) ok = false; else w[k] = x;
      });
      if (ok && w.some((v) => v > 0)) state.weights = w; else problems.push("poids illisibles dans l'adresse");
    }
    $("message").textContent = problems.length ? "Adresse en partie ignorée : " + problems.join(" ; ") + "." : "";
  }

  function update() {
    renderSliders();
    const res = compute();
    if (!res) {
      $("message").textContent = "Au moins une dimension de cette famille doit avoir un poids.";
      document.querySelector("#classement tbody").replaceChildren();
      return;
    }
    renderTable(res);
    renderChart(res);
    writeHash();
    document.body.dataset.ready = "1";
  }

  // ------------------------------------------------------------------ profile download

  function profileYaml() {
    const id = $("profil-id").value.trim();
    // Control characters are dropped: the tool refuses them in a profile label.
    const label = $("profil-libelle").value.replace(/[\u0000-\u001f\u007f]/g, " ").trim();
    if (!ID_RE.test(id)) return [null, "Identifiant invalide : minuscules, chiffres et « _ », en commençant par une lettre."];
    if (!label) return [null, "Le libellé ne peut pas être vide."];
    const p = profile(state.profile);
    const total = state.weights.reduce((a, b) => a + b, 0);
    const q = (s) => JSON.stringify(s);  // a JSON string is a valid YAML double-quoted scalar
    const lines = [
      "id: " + id,
      "label_fr: " + q(label),
      "viewpoint: " + q("Pondération réglée dans l'explorateur hors ligne (famille « " + family().label + " »)."),
      "rationale: " + q("Poids des dimensions choisis dans l'explorateur à partir du profil « " + p.label
        + " », dont les poids des critères sont repris."),
      "dimension_weights:",
    ];
    DIMS.forEach((d, k) => lines.push("  " + d + ": " + +(100 * state.weights[k] / total).toFixed(4)));
    const cw = Object.entries(p.criterion_weights);
    if (cw.length) {
      lines.push("criterion_weights:");
      cw.forEach(([c, v]) => lines.push("  " + c + ": " + v));
    }
    return [id, lines.join("\n") + "\n"];
  }

  function download() {
    const [id, text] = profileYaml();
    if (!id) { $("message").textContent = text; return; }
    const blob = new Blob([text], { type: "application/x-yaml" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = id + ".yml";
    document.body.appendChild(a);
    a.click();
    a.remove();
    $("message").textContent = "Profil « " + id + ".yml » téléchargé : placez-le dans benchmark/profiles/.";
  }

  // ------------------------------------------------------------------ set-up

  function option(select, value, text) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    select.appendChild(o);
  }

  function init() {
    $("sous-titre").textContent = DATA.title;
    DATA.families.forEach((f) => option($("famille"), f.id, f.label));
    DATA.profiles.forEach((p) => option($("profil"), p.id, p.label));
    DATA.methods.forEach((m) => option($("methode"), m.id, m.label));
    DATA.normalisations.forEach((nm) => option($("normalisation"), nm, DATA.normalisation_labels[nm]));
    const box = $("curseurs");
    DIMS.forEach((d, k) => {
      const div = document.createElement("div");
      div.className = "curseur";
      const label = document.createElement("label");
      label.htmlFor = "w-" + d;
      label.textContent = DATA.dimension_labels[k];
      const input = document.createElement("input");
      Object.assign(input, { type: "range", id: "w-" + d, min: "0", max: "100", step: "1" });
      const out = document.createElement("output");
      out.id = "o-" + d;
      out.htmlFor = "w-" + d;
      input.addEventListener("input", () => { state.weights[k] = Number(input.value); $("message").textContent = ""; update(); });
      div.append(label, input, out);
      box.appendChild(div);
    });
    readHash();
    $("famille").value = state.family;
    $("profil").value = state.profile;
    $("methode").value = state.method;
    $("normalisation").value = state.normalisation;
    $("famille").addEventListener("change", (e) => { state.family = e.target.value; update(); });
    $("profil").addEventListener("change", (e) => { setProfile(e.target.value); update(); });
    $("methode").addEventListener("change", (e) => { state.method = e.target.value; update(); });
    $("normalisation").addEventListener("change", (e) => { state.normalisation = e.target.value; update(); });
    $("reinitialiser").addEventListener("click", () => { setProfile(state.profile); $("message").textContent = ""; update(); });
    $("telecharger").addEventListener("click", download);
    window.addEventListener("hashchange", () => {
      readHash();
      ["famille", "profil", "methode", "normalisation"].forEach((k) => {
        $(k).value = { famille: state.family, profil: state.profile, methode: state.method, normalisation: state.normalisation }[k];
      });
      update();
    });
    update();
  }

  init();
})();
