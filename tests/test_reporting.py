"""Report building blocks: escaping, French number formats, links, headings, tables of contents."""

import pandas as pd

from benchmark_tools import reporting as rp


def test_html_table_escapes_and_formats():
    df = pd.DataFrame({"Cas": ["<script>x</script>"], "Score": [0.61234], "Part": [0.5], "Pop": [123456]})
    html = rp.html_table(df, "Légende <b>", pct=["Part"], dec={"Score": 3}).html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Légende &lt;b&gt;" in html
    assert "0,612" in html and "50\u00a0%" in html and "123\u202f456" in html


def test_shorten_links_keeps_targets():
    md = "— <https://www.ex.fr/a_b.html> ; https://nu.fr/p\\_q. et [x](<https://a.b/c>)"
    out = rp.shorten_links(md)
    assert "[www.ex.fr](<https://www.ex.fr/a_b.html>)" in out
    assert "[nu.fr](<https://nu.fr/p_q>)." in out
    assert "[x](<https://a.b/c>)" in out


def test_shift_headings():
    md = "## Titre\n### Dim\n#### Crit\ntexte # pas un titre"
    assert rp.shift_headings(md, 1) == "#### Dim\n##### Crit\ntexte # pas un titre"


def test_paragraph_is_escaped_line_by_line():
    assert rp.paragraph("a < b\nc").html == "<p>a &lt; b</p><p>c</p>"


def test_short_names_disambiguate_territories():
    from types import SimpleNamespace as N

    cases = [N(id="a", territory="Metz", edition="2019", name="BP éco", short_name=None),
             N(id="b", territory="Metz", edition="2014-2018", name="BP", short_name=None),
             N(id="c", territory="Lyon", edition=None, name="BP", short_name=None),
             N(id="d", territory="Paris", edition=None, name="BP", short_name="Paris (Ville)")]
    names = rp.short_names(cases)
    assert names["c"] == "Lyon" and names["d"] == "Paris (Ville)"
    assert names["a"] != names["b"] and names["a"].startswith("Metz — ")
