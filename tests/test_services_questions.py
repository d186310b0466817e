"""The annex of questions for Rennes Métropole's services (data/questions/*.md)."""

from types import SimpleNamespace

from benchmark_tools.report_blocks import services_questions


def test_questions_are_rendered_as_inert_markdown(tmp_path):
    folder = tmp_path / "data" / "questions"
    folder.mkdir(parents=True)
    (folder / "budget_participatif.md").write_text(
        "# Questions — budget participatif\n\n## Faits à confirmer\n\n1. **Durée de l'enveloppe** "
        "<img src=x onerror=alert(1)> [règlement](javascript:alert(2)) [page](https://example.org/reglement)\n",
        encoding="utf-8")
    html = services_questions(SimpleNamespace(root=tmp_path)).html
    assert "<h4" in html and "<h5" in html  # demoted under « Annexes › Questions aux services »
    assert "<img" not in html and "href=\"javascript" not in html  # shown as text, never a link
    assert 'href="https://example.org/reglement"' in html and "&lt;img" in html


def test_no_question_file_says_so(tmp_path):
    html = services_questions(SimpleNamespace(root=tmp_path)).html
    assert "Aucune question" in html
