"""Every ```python and ```toml block of README.md and docs/*.md runs as printed (issue 16.2).

Python blocks run one by one, each in a fresh namespace, in a temporary working directory (so
files they write go there). TOML blocks are loaded as scene files; a block that is only part of a
scene says so in the Markdown, in an HTML comment on the line before it:

    <!-- docs-test: fragment (why) -->    parsed, and every table in it read as the scene reader
                                          reads it (elements, [study], [maintenance]), without the
                                          plant checks a whole scene gets
                                          (a Python fragment, such as an excerpt of a kernel
                                          function, is compiled as a function body, not run)
    <!-- docs-test: needs render -->      a Python block that needs the render extra (skipped
                                          where pyvista is not installed)

Nothing else is skipped, and no block is edited before it runs.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import twin
from twin.scene import TOP_KEYS, _Reader

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(python|toml)\s*$")
MARK = re.compile(r"^<!--\s*docs-test:\s*(.*?)\s*-->\s*$")


def blocks(path: Path) -> list[tuple[str, int, str, str]]:
    """(language, first line, code, marker) of every python and toml block of a Markdown file."""
    lines = path.read_text(encoding="utf-8").splitlines()
    out, i = [], 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        mark = MARK.match(lines[i - 1]) if i > 0 else None
        out.append((m.group(1), i + 1, "\n".join(lines[i + 1:j]) + "\n", mark.group(1) if mark else ""))
        i = j + 1
    return out


ALL = [(path, *b) for path in DOCS for b in blocks(path)]


def test_the_extractor_finds_the_blocks():
    by_file = {p.name: sum(1 for q, *_ in ALL if q == p) for p in DOCS}
    assert by_file["README.md"] >= 8 and all(by_file[f] >= 1 for f in ("robot.md", "cluster_tool.md", "rul.md"))
    marks = {m for *_, m in ALL if m}
    assert all(m.startswith(("fragment", "needs render")) for m in marks), marks


PY = [pytest.param(code, mark, id=f"{p.name}:{line}") for p, lang, line, code, mark in ALL if lang == "python"]
TOML = [pytest.param(code, mark, id=f"{p.name}:{line}") for p, lang, line, code, mark in ALL if lang == "toml"]


@pytest.mark.parametrize("code,mark", PY)
def test_python_block_runs_as_printed(code, mark, tmp_path, monkeypatch):
    if mark.startswith("needs render"):
        pytest.importorskip("pyvista")
    if mark.startswith("fragment"):  # an excerpt: it must be valid Python as a function body
        compile("def _fragment():\n" + "".join("    " + line + "\n" for line in code.splitlines()),
                "<docs fragment>", "exec")
        return
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "<docs block>", "exec"), {"__name__": "__docs__"})


@pytest.mark.parametrize("code,mark", TOML)
def test_toml_block_loads(code, mark, tmp_path):
    if not mark.startswith("fragment"):
        path = tmp_path / "block.toml"
        path.write_text(code, encoding="utf-8")
        scene = twin.load_scene(path)
        assert len(scene.plant) > 0
        return
    doc = tomllib.loads(code)
    reader = _Reader("fragment")
    assert set(doc) <= set(TOP_KEYS), set(doc) - set(TOP_KEYS)
    assert doc, "an empty fragment"
    for name, spec in doc.get("elements", {}).items():
        el = reader.element(name, spec)
        assert el.name == name
    if "study" in doc:
        reader.study(doc["study"])
    if "maintenance" in doc:
        reader.crew(doc["maintenance"])


def test_toml_errors_say_how_to_fix_known_mistakes(tmp_path):
    """The mistakes a newcomer makes: an inline table over several lines, a trailing comma in one,
    a byte-order mark (ignored), a plain key after a table header."""
    cases = {
        "multi.toml": ('[elements.press]\nkind = "machine"\nhealth = [\n'
                       '  { name = "bearing", degradation = { model = "gamma" },\n    repair = "6 h" },\n]\n',
                       r"multi\.toml: invalid TOML at line 4, column \d+: .*inline table \{ \.\.\. \} must stay on "
                       r"one line in TOML 1\.0: join its lines, or write it as a table"),
        "comma.toml": ('[elements.m]\nkind = "machine"\nprocess = { dist = "exponential", mean = 60, }\n',
                       r"comma\.toml: invalid TOML at line 3, column \d+: .*remove the comma after the last item"),
        "late.toml": ('[plant]\nname = "x"\nlines = [["in", "out"]]\n',
                      r"late\.toml, key 'plant\.lines': unknown key 'lines' for \[plant\] \('lines' is a top-level "
                      r"key: it must come before the first \[table\]"),
    }
    for name, (text, pattern) in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        with pytest.raises(twin.SceneError, match=pattern):
            twin.load_scene(path)
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf" + (ROOT / "scenes" / "balanced_line.toml").read_bytes())
    assert twin.load_scene(bom).plant.name == twin.load_scene("balanced_line").plant.name
