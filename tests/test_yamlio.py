"""Reading YAML files: encoding, BOM, line endings, tabs, duplicates, line numbers."""

from benchmark_tools.yamlio import read_yaml


def _read(tmp_path, content: bytes):
    p = tmp_path / "f.yml"
    p.write_bytes(content)
    return read_yaml(p, "f.yml", max_bytes=10_000)


def test_valid_file_gives_data_and_lines(tmp_path):
    doc, problems = _read(tmp_path, b"id: a\ndesign:\n  envelope:\n    value: 3\n")
    assert problems == []
    assert doc.data["design"]["envelope"]["value"] == 3
    assert doc.line_of(("design", "envelope", "value")) == 4
    assert doc.line_of(("design", "envelope", "year")) == 3  # falls back to the parent


def test_malformed_yaml_reports_line(tmp_path):
    doc, problems = _read(tmp_path, b"id: a\nname: [unclosed\nother: 1\n")
    assert doc is None
    assert problems and problems[0].line is not None
    assert "YAML mal formé" in problems[0].message


def test_tab_in_indentation(tmp_path):
    doc, problems = _read(tmp_path, b"id: a\ndesign:\n\tenvelope: 1\n")
    assert doc is None
    assert problems[0].line == 3 and "tabulation" in problems[0].message


def test_duplicate_key_is_an_error(tmp_path):
    doc, problems = _read(tmp_path, b"id: a\nid: b\n")
    assert doc is None
    assert "clé en double" in problems[0].message and problems[0].line == 2


def test_non_utf8(tmp_path):
    doc, problems = _read(tmp_path, "name: Montr\xe9al\n".encode("latin-1"))
    assert doc is None
    assert "UTF-8" in problems[0].message and problems[0].line == 1


def test_bom_and_crlf_are_reported_but_content_read(tmp_path):
    doc, problems = _read(tmp_path, b"\xef\xbb\xbfid: a\r\nname: b\r\n")
    msgs = " ".join(p.message for p in problems)
    assert "BOM" in msgs and "CRLF" in msgs
    assert doc is not None and doc.data == {"id": "a", "name": "b"}


def test_empty_and_comment_only_files(tmp_path):
    for content in (b"", b"   \n", b"# only a comment\n"):
        doc, problems = _read(tmp_path, content)
        assert doc is None and problems[0].message == "fichier vide"


def test_huge_file(tmp_path):
    doc, problems = _read(tmp_path, b"a: " + b"x" * 20_000 + b"\n")
    assert doc is None and "trop volumineux" in problems[0].message


def test_dates_stay_text(tmp_path):
    doc, problems = _read(tmp_path, b"d: 2024-05-01\n")
    assert doc.data["d"] == "2024-05-01"
