"""The README is a front page, and every link in it and in docs/ leads somewhere (issue #28 item 8)."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_relative_link_leads_to_a_file(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"^(https?:|mailto:|#)", target):
            continue
        path = target.split("#")[0]
        if path and not (page.parent / path).exists():
            broken.append(target)
    assert broken == [], f"{page.relative_to(ROOT)} links to missing files: {broken}"


def test_the_readme_is_a_front_page_with_the_two_commands_and_a_guide_per_tab():
    import app

    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    assert "python app.py" in readme and "pytest" in readme  # the two commands
    for _, tab_id, _ in (*app.TABS, ("Training", "training", None)):
        guide = ROOT / "docs" / "tabs" / f"{tab_id}.md"
        assert guide.is_file() and f"(docs/tabs/{tab_id}.md)" in readme, tab_id
    for page in ("guide", "models", "training", "benchmarks", "lecture", "architecture"):
        assert f"(docs/{page}.md)" in readme, page


def test_the_lecture_tables_count_is_the_tables_and_the_readme_quotes_it():
    text = (ROOT / "docs" / "lecture.md").read_text()
    rows = {int(m.group(1)): m.group(2) for m in re.finditer(r"^\| (\d+) \|.*\| ([^|]*?) \|$", text, re.M)}
    shown = sum(status.strip() == "shown" for status in rows.values())
    partly = [n for n, status in rows.items() if status.strip().startswith("partly")]
    demonstrable = sum(not s.strip().startswith("not demonstrable") for n, s in rows.items() if n != 107)
    assert f"**Shown: {shown} of {demonstrable} demonstrable rows**" in text
    assert f"**{shown} of {demonstrable} demonstrable concepts are shown**" in (ROOT / "README.md").read_text()
    assert all(": " in rows[n] for n in partly)  # a partly row says what is missing
