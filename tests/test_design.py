"""Design values and fonts: the documented font recipe works, and every broken rule is named where it was written."""

from __future__ import annotations

import functools
import io
import re
import shutil
from pathlib import Path

import pikepdf
import pytest

from conftest import ROOT
from mcsp_reports import DesignError, Project, build
from mcsp_reports.design import contrast

CARLITO = ROOT / "tests" / "fonts" / "carlito"
YEAR = "2017-18"  # it has dated achievements, whose dates are set in italics


def recipe() -> str:
    """The CSS of the "Another font" recipe in docs/styles.md, exactly as written there."""
    text = (ROOT / "docs" / "styles.md").read_text(encoding="utf-8")
    section = text.split("## Another font", 1)[1]
    return re.search(r"```css\n(.*?)```", section, re.S).group(1)


def with_fonts(project: Project, css: str) -> str:
    """Follow the recipe's step 1 (files and licence in styles/fonts/), save ``css`` as styles/my-font.css."""
    for path in CARLITO.iterdir():
        shutil.copy(path, project.styles / "fonts" / ("OFL-Carlito.txt" if path.name == "OFL.txt" else path.name))
    (project.styles / "my-font.css").write_text(css, encoding="utf-8")
    return "styles/my-font.css"


def base_fonts(pdf: Path) -> set[str]:
    with pikepdf.open(io.BytesIO(pdf.read_bytes())) as document:
        return {str(font.BaseFont).split("+", 1)[-1] for page in document.pages
                for font in page.Resources.get("/Font", {}).values()}


def failure(project: Project, css: str) -> list[str]:
    sheet = with_fonts(project, css) if "Carlito" in css else _save(project, css)
    with pytest.raises(DesignError) as error:
        build(project, years=[YEAR], history=False, stylesheets=[project.root / sheet])
    assert not project.dist.exists()  # checked before anything is laid out or written
    return str(error.value).splitlines()


def _save(project: Project, css: str) -> str:
    (project.styles / "brand.css").write_text(css, encoding="utf-8")
    return "styles/brand.css"


def test_the_documented_font_recipe_works_as_written(project: Project) -> None:
    sheet = with_fonts(project, recipe())
    built = build(project, years=[YEAR], history=False, stylesheets=[project.root / sheet], jobs=1)
    standard = next(b.path for b in built if b.file.edition == "standard")
    fonts = base_fonts(standard)
    # Every face of the text is Carlito's own file; the chart alone keeps the theme's Lato.
    assert {"Carlito", "Carlito-Bold", "Carlito-Italic"} <= fonts, fonts
    assert all(name.startswith(("Carlito", "Lato")) for name in fonts), fonts


@pytest.mark.slow  # converts a font, then lays out a year with it
def test_a_woff2_face_works_like_its_truetype(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    from fontTools.ttLib import TTFont, woff2

    # Brotli's quality sets only how small the file is, not what it holds: the default
    # (11) spends over a second of CPU on a face, quality 4 a fifth of it.
    monkeypatch.setattr(woff2.brotli, "compress", functools.partial(woff2.brotli.compress, quality=4))
    sheet = with_fonts(project, recipe().replace("Carlito-Italic.ttf", "Carlito-Italic.woff2"))
    ttf = project.styles / "fonts" / "Carlito-Italic.ttf"
    font = TTFont(ttf)
    font.flavor = "woff2"
    font.save(ttf.with_suffix(".woff2"))
    ttf.unlink()
    built = build(project, years=[YEAR], history=False, stylesheets=[project.root / sheet], jobs=1)
    assert "Carlito-Italic" in base_fonts(next(b.path for b in built if b.file.edition == "standard"))


def test_a_family_name_unlike_the_one_inside_the_file_names_both(project: Project) -> None:
    lines = failure(project, recipe().replace('font-family: "Carlito"', 'font-family: "Carlito Sans"')
                    .replace('--font-body: "Carlito"; --font-heading: "Carlito"',
                             '--font-body: "Carlito Sans"; --font-heading: "Carlito Sans"'))
    assert lines[0] == ('styles/my-font.css:1:1: @font-face font-family \'Carlito Sans\' does not match the family '
                        'inside styles/fonts/Carlito-Regular.ttf, \'Carlito\'; write font-family: "Carlito"')
    assert len(lines) == 4


def test_a_missing_italic_face_fails_naming_the_face(project: Project) -> None:
    css = "".join(line + "\n" for line in recipe().splitlines() if "Carlito-Italic.ttf" not in line)
    lines = failure(project, css)
    assert lines == [
        "styles/my-font.css:4:9: --font-body: 'Carlito' has no italic 400 face; add an @font-face with "
        "font-style: italic; font-weight: 400 and its file (it is never taken from the machine or synthesised)",
        "styles/my-font.css:4:33: --font-heading: 'Carlito' has no italic 400 face; add an @font-face with "
        "font-style: italic; font-weight: 400 and its file (it is never taken from the machine or synthesised)",
    ]


def test_a_face_declared_with_the_wrong_file_is_named(project: Project) -> None:
    lines = failure(project, recipe().replace("Carlito-Italic.ttf", "Carlito-Regular.ttf"))
    assert lines == ["styles/my-font.css:2:1: @font-face 'Carlito' declares italic 400, but "
                     "styles/fonts/Carlito-Regular.ttf is an upright 400 face"]


def test_a_family_nobody_declares_and_a_file_of_another_kind_are_refused(project: Project) -> None:
    lines = failure(project, '@font-face { font-family: "Lato"; font-style: italic; font-weight: 400; '
                             'src: url("fonts/OFL.txt"); }\n:root { --font-body: "Inter"; }\n')
    assert lines == [
        "styles/brand.css:1:1: @font-face 'Lato': styles/fonts/OFL.txt is not a font file WeasyPrint reads; "
        "use .ttf, .otf, .woff, .woff2",
        "styles/brand.css:2:9: --font-body: 'Inter' is not declared with @font-face, so it would come from this "
        "machine; declared: Lato",
    ]


def test_a_low_contrast_colour_fails_naming_the_property_and_the_file(project: Project) -> None:
    lines = failure(project, ":root {\n  --colour-muted: #999999;\n}\n")
    assert lines == ["styles/brand.css:2:3: --colour-muted #999999 on --colour-paper #ffffff has a contrast of "
                     "2.85:1; WCAG 2.2 AA needs at least 4.5:1 for text"]


def test_a_dark_paper_fails_against_the_theme_text_and_names_the_users_line(project: Project) -> None:
    lines = failure(project, ":root { --colour-paper: #202020; }\n")
    # Every cascade fails (print, large print, web), each naming the user's line, not the theme's.
    assert all(line.startswith("styles/brand.css:1:9: ") for line in lines), lines
    assert {line.split(": ", 1)[1].split(" #")[0] for line in lines} == {
        "--colour-text", "--colour-muted", "--colour-accent"}
    assert "--colour-text #1d1d1b on --colour-paper #202020 has a contrast of 1.04:1" in lines[0]


def test_bad_values_are_reported_at_the_users_line_not_where_print_css_uses_them(project: Project) -> None:
    lines = failure(project, ":root {\n  --colour-accent: #00506g;\n  --font-size-body: large;\n"
                             "  --colour-rule: var(--colour-nothing);\n}\n")
    assert lines == [
        "styles/brand.css:2:3: --colour-accent: '#00506g' is not a colour; write it as #rrggbb",
        "styles/brand.css:4:3: --colour-rule: 'var(--colour-nothing)' refers to a property that is not set",
        "styles/brand.css:3:3: --font-size-body: 'large' is not a length; write it as e.g. 12pt or 20mm",
    ]


def test_the_shipped_theme_passes_and_contrast_is_computed_as_wcag_says() -> None:
    from mcsp_reports.design import cascades, check_design
    from mcsp_reports.plan import LARGE_PRINT_STYLESHEET, PRINT_STYLESHEETS

    check_design(ROOT, cascades([PRINT_STYLESHEETS, (*PRINT_STYLESHEETS, LARGE_PRINT_STYLESHEET)], []))
    assert contrast((0, 0, 0), (1, 1, 1)) == pytest.approx(21)
    assert contrast((1, 1, 1), (1, 1, 1)) == pytest.approx(1)
    assert contrast((0x76 / 255,) * 3, (1, 1, 1)) == pytest.approx(4.54, abs=0.01)


def test_what_a_font_file_is_is_read_once_per_distinct_file_and_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from mcsp_reports import design

    font, store = tmp_path / "Lato-Italic.ttf", tmp_path / "build" / design.FONT_FACTS
    shutil.copy(ROOT / "styles" / "fonts" / "Lato-Italic.ttf", font)
    monkeypatch.setattr(design, "_known_fonts", {})
    monkeypatch.setattr(design, "_stored_keys", {})
    assert design.font_facts(font, store) == ("Lato", True, 400)

    def unread(data: bytes) -> design.FontFacts:
        raise AssertionError("read again")

    # Another process: nothing in memory, the facts come from the store, fontTools is not needed.
    monkeypatch.setattr(design, "_known_fonts", {})
    monkeypatch.setattr(design, "_stored_keys", {})
    monkeypatch.setattr(design, "_read_font_facts", unread)
    assert design.font_facts(font, store) == ("Lato", True, 400)
    # Other bytes under the same name are read again.
    font.write_bytes((ROOT / "styles" / "fonts" / "Lato-Bold.ttf").read_bytes())
    with pytest.raises(AssertionError, match="read again"):
        design.font_facts(font, store)


@pytest.mark.parametrize("damage", ["{not json", "[]", '{"0": ["Lato", true, 400]}', "BAD_FACTS"])
def test_a_damaged_font_store_is_ignored_and_rewritten(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    import hashlib
    import json

    from mcsp_reports import design

    font, store = tmp_path / "Lato-Bold.ttf", tmp_path / design.FONT_FACTS
    shutil.copy(ROOT / "styles" / "fonts" / "Lato-Bold.ttf", font)
    key = hashlib.sha256(font.read_bytes()).hexdigest()
    if damage == "BAD_FACTS":  # the right key, facts of the wrong types
        damage = json.dumps({key: ["Lato", "yes", 700.5]})
    store.write_text(damage)
    monkeypatch.setattr(design, "_known_fonts", {})
    monkeypatch.setattr(design, "_stored_keys", {})
    assert design.font_facts(font, store) == ("Lato", False, 700)
    assert json.loads(store.read_text())[key] == ["Lato", False, 700]

