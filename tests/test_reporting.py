"""Report building blocks: escaping, French number formats, links, headings, tables of contents."""

import pandas as pd

from benchmark_tools import report_blocks as rp
from benchmark_tools import report_html as rh
from benchmark_tools.cases import short_names


def test_html_table_escapes_and_formats():
    df = pd.DataFrame({"Cas": ["<script>x</script>"], "Score": [0.61234], "Part": [0.5], "Pop": [123456]})
    html = rh.html_table(df, "Légende <b>", pct=["Part"], dec={"Score": 3}).html
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
    assert rh.paragraph("a < b\nc").html == "<p>a &lt; b</p><p>c</p>"


def test_short_names_disambiguate_territories():
    from types import SimpleNamespace as N

    cases = [N(id="metz_bp_eco_2019", territory="Metz", family="bp", short_name=None),
             N(id="metz_bp", territory="Metz", family="bp", short_name=None),
             N(id="lyon_bp", territory="Lyon", family="bp", short_name=None),
             N(id="paris_bp", territory="Paris", family="bp", short_name="Paris (Ville)")]
    names = short_names(cases)
    assert names == {"metz_bp_eco_2019": "Metz (eco 2019)", "metz_bp": "Metz", "lyon_bp": "Lyon",
                     "paris_bp": "Paris (Ville)"}
