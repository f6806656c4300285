"""ui.navigation: the app's own menu (Streamlit's is off) and the guard each page file starts with."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui import navigation

try:
    from tomllib import loads as read_toml  # Python 3.11+
except ModuleNotFoundError:  # pragma: no cover
    from toml import loads as read_toml

ROOT = Path(__file__).resolve().parent.parent
PAGE_FILES = sorted(p.name for p in (ROOT / "pages").glob("*.py"))


def test_streamlit_own_menu_is_off():
    """On a fresh server Streamlit's menu would list pages/'s file names, which run a page without app.py."""
    config = read_toml((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showSidebarNavigation"] is False


def test_every_page_file_is_listed_once_with_its_own_url_path():
    entries = [entry for section in navigation.SECTIONS.values() for entry in section]
    assert sorted(Path(file).name for file, *_ in entries) == PAGE_FILES
    for file, _, _, url_path in entries:
        assert url_path != Path(file).stem  # a url_path that named a file would run it alone on a fresh server
    assert [url for *_, url in entries].count("") == 1  # Home, the default page


def test_the_sidebar_menu_links_every_page_in_sections():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    assert not at.exception
    links = at.sidebar.get("page_link")
    assert [e.proto.page for e in links] == [url for section in navigation.SECTIONS.values()
                                             for *_, url in section]
    assert [e.proto.label for e in links] == [
        "Home", "Glossary · 术语表", "Step 1 · Define the network", "Step 2 · Goodness of a function",
        "Step 3 · Pick the best function", "Draw a digit", "Deep or fat?"]
    assert [c.value for c in at.sidebar.caption][:3] == list(navigation.SECTIONS)


def test_the_menu_is_in_the_sessions_language_and_keeps_its_addresses():
    """Sections and titles are translated run by run; the url paths (links, the address bar) never are."""
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    links = at.sidebar.get("page_link")
    assert [e.proto.page for e in links] == [url for section in navigation.SECTIONS.values() for *_, url in section]
    assert [e.proto.label for e in links][:3] == ["首页", "术语表 · Glossary", "第 1 步 · 定义网络"]
    assert [c.value for c in at.sidebar.caption][:3] == ["开始", "三个步骤", "动手试试"]
    assert navigation.title_of("pick-the-best-function") == "Step 3 · Pick the best function"  # outside a session
    assert navigation.title_of("no-such-page") == ""


@pytest.mark.parametrize("name", PAGE_FILES)
def test_every_page_starts_with_the_guard(name):
    body = ast.parse((ROOT / "pages" / name).read_text()).body
    code = [node for node in body[1:] if not isinstance(node, ast.Import | ast.ImportFrom)]  # after the docstring
    assert ast.unparse(code[0]) == "navigation.enter(__file__)", f"{name}: the guard must come before any other code"


@pytest.mark.parametrize("name,url_path", [
    ("digits.py", "draw-a-digit"), ("step3_training.py", "pick-the-best-function"), ("home.py", ""),
    ("glossary.py", "glossary-of-terms")])
def test_a_page_run_without_app_py_hands_over_to_its_own_address(name, url_path):
    """As on a fresh server whose first visitor opened /digits: no KeyError, only the hand-over."""
    at = AppTest.from_file(f"../pages/{name}", default_timeout=60).run()
    assert not at.exception
    assert not at.title  # the page itself did not run
    script = at.get("html")[-1].proto.body
    assert f'+ "{url_path}" + window.location.search' in script and "location.replace" in script
