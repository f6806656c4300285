"""Glossary page (AppTest): every term of i18n/glossary.csv in both languages, with the page that teaches it."""

from __future__ import annotations

import pytest
from i18n_texts import english_leftovers, shown_texts
from streamlit.testing.v1 import AppTest

import i18n
from ui import navigation

PAGE = "pages/glossary.py"


def glossary_page(lang: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


@pytest.mark.parametrize(("lang", "title", "page_column", "home", "step1"), [
    ("en", "Glossary · 术语表", "First taught on", "Home", "Step 1 · Define the network"),
    ("zh", "术语表 · Glossary", "最先出现在", "首页", "第 1 步 · 定义网络"),
])
def test_every_term_is_shown_with_its_chinese_and_its_page(lang, title, page_column, home, step1):
    at = glossary_page(lang)
    assert at.title[0].value == title
    table = at.table[0].value
    assert list(table.columns) == ["English", "中文", page_column]
    terms = i18n.glossary()
    assert len(terms) >= 40 and len(table) == len(terms)
    assert list(zip(table["English"], table["中文"])) == [(t.english, t.chinese) for t in terms]
    rows = dict(zip(table["English"], table[page_column]))
    assert rows["deep learning"] == home and rows["bias"] == step1
    for t in terms:   # every term's page is one of the app's pages (outside a session title_of is English)
        assert navigation.title_of(t.page) and rows[t.english] == i18n.in_language(lang, navigation.title_of(t.page))
    # Below the table, a link to each page that teaches terms, with how many.
    links = at.main.get("page_link")
    assert {e.proto.page for e in links} == {t.page for t in terms}
    assert sum(int("".join(ch for ch in e.proto.label.rsplit(" ", 2)[-2] if ch.isdigit())) for e in links) == len(terms)


def test_the_chinese_glossary_page_has_no_english_sentence_left():
    at = glossary_page("zh")
    assert english_leftovers(shown_texts(at)) == []
    text = " ".join(shown_texts(at))
    assert "课程术语的中英对照" in text and "术语出现在哪些页面" in text
    assert any(e.proto.label.startswith("第 3 步 · 选择最优函数：") for e in at.main.get("page_link"))
    assert i18n.in_language("zh", "Glossary · 术语表") == "术语表 · Glossary"


def test_the_glossary_is_in_the_start_section_after_home():
    files = [file for file, *_ in navigation.SECTIONS["Start"]]
    assert files == ["pages/home.py", "pages/glossary.py"]
