"""Every page, rendered headless (AppTest) in both languages: the Chinese render has no English sentence
left anywhere (main area and sidebar), the English render no Chinese beyond the switch, and each
glossary term appears, in the page's language, on the page where the glossary says it is first taught.

The per-page tests (tests/test_page_*.py, tests/test_digits_page.py) go further into each page's states:
runs, drawings, messages.
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

import i18n
from tests.i18n_texts import english_leftovers, shown_texts
from ui import navigation

PAGES = {url: file for entries in navigation.SECTIONS.values() for file, _, _, url in entries}
CJK = re.compile(r"[\u3400-\u9fff]")
# Chinese an English page shows on purpose: the switch (中文) and the glossary's name (Glossary · 术语表), so a
# student who reads Chinese first finds both on any page.
BILINGUAL = ("中文", "术语表")


def render(url: str, language: str) -> AppTest:
    at = AppTest.from_file("../app.py", default_timeout=120)
    at.session_state["lang"] = language
    at.run()
    if url:
        at.switch_page(PAGES[url]).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("url", list(PAGES), ids=lambda url: url or "home")
def test_each_page_reads_in_chinese_with_the_lectures_terms(url):
    at = render(url, "zh")
    texts = shown_texts(at)
    assert english_leftovers(texts) == []
    shown = "\n".join(texts)
    taught_here = [term for term in i18n.glossary() if term.page == url]
    missing = [f"{term.english} → {term.chinese}" for term in taught_here if term.chinese not in shown]
    assert not missing, f"glossary terms not shown on /{url} in Chinese: {missing}"


@pytest.mark.parametrize("url", list(PAGES), ids=lambda url: url or "home")
def test_each_page_reads_in_english_with_the_lectures_terms(url):
    at = render(url, "en")
    texts = shown_texts(at)
    glossary_terms = {term.chinese for term in i18n.glossary()} if url == "glossary-of-terms" else set()
    chinese = [t for t in texts if t not in glossary_terms and CJK.search(re.sub("|".join(BILINGUAL), "", t))]
    assert chinese == [], "Chinese text on an English page"
    shown = "\n".join(texts).lower()
    taught_here = [term for term in i18n.glossary() if term.page == url]
    missing = [term.english for term in taught_here if term.english.lower() not in shown]
    assert not missing, f"glossary terms not shown on /{url} in English: {missing}"


def test_two_sessions_in_two_languages_never_see_each_others():
    """One process, two students: each run reads its own session's language (no process-wide gettext)."""
    chinese, english = render("", "zh"), render("", "en")
    for _ in range(2):
        chinese.run()
        english.run()
        assert chinese.title[0].value == i18n.in_language("zh", "Deep learning in three steps")
        assert english.title[0].value == "Deep learning in three steps"
    assert i18n.current() == i18n.DEFAULT  # and this thread, in no session, is in English
