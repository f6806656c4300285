"""The Chinese catalog: complete, nothing unused, compiled, placeholders kept, the glossary's terms used."""

from __future__ import annotations

import gettext
import json
import re
import string
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import i18n
from scripts import i18n as catalog_tool
from ui import navigation

CATALOG = catalog_tool.read_catalog()
ENTRIES = [entry for entry in CATALOG if entry.id]
ROOT = Path(__file__).resolve().parent.parent


def _text(message) -> str:
    return message if isinstance(message, str) else message[0]


def test_every_message_in_the_code_has_a_chinese_translation():
    missing = catalog_tool.untranslated()
    assert not missing, f"{len(missing)} messages have no translation, e.g. {list(missing)[:3]}"


def test_no_catalog_entry_is_left_that_no_code_uses():
    used = {catalog_tool.key_text(key) for key in catalog_tool.extracted()}
    unused = [_text(entry.id) for entry in ENTRIES if catalog_tool.key_text((entry.id, entry.context)) not in used]
    assert not unused, f"{len(unused)} entries are not in the code, e.g. {unused[:3]}"


def test_the_compiled_catalog_is_the_po_file():
    with catalog_tool.MO.open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    for entry in ENTRIES:
        assert not entry.fuzzy, f"fuzzy entry: {_text(entry.id)[:60]!r}"
        if entry.context:
            assert compiled.pgettext(entry.context, entry.id) == entry.string, entry.id[:60]
        elif isinstance(entry.id, str):
            assert compiled.gettext(entry.id) == entry.string, entry.id[:60]
        else:
            assert compiled.ngettext(entry.id[0], entry.id[1], 1) == entry.string[0], entry.id[0][:60]


def _fields(text: str) -> list[str]:
    return sorted(field for _, field, _, _ in string.Formatter().parse(text) if field is not None)


def test_every_translation_keeps_the_placeholders_formulas_and_markup():
    wrong = []
    for entry in ENTRIES:
        original = _text(entry.id)
        for translation in [entry.string] if isinstance(entry.string, str) else list(entry.string):
            checks = {"the {placeholders}": (_fields(translation), _fields(original)),
                      "the formulas ($…$)": (translation.count("$"), original.count("$")),
                      "the bold markup (**)": (translation.count("**"), original.count("**")),
                      "the code markup (`)": (translation.count("`"), original.count("`"))}
            wrong += [f"{what} differ: {original[:50]!r} → {translation[:30]!r}"
                      for what, (got, want) in checks.items() if got != want]
    assert not wrong, f"{len(wrong)} translations changed what they must keep:\n" + "\n".join(wrong[:20])


def test_the_glossary_is_well_formed_and_names_real_pages():
    terms = i18n.glossary()
    assert len(terms) >= 40
    english = [term.english for term in terms]
    assert len(set(english)) == len(english), "a term is listed twice"
    url_paths = {entry[3] for entries in navigation.SECTIONS.values() for entry in entries}
    for term in terms:
        assert term.english and term.chinese, term
        assert term.page in url_paths, f"{term.english}: unknown page {term.page!r}"
    by_english = {term.english: term.chinese for term in terms}
    assert by_english["bias"] == "偏差"  # one term for bias, everywhere (not 偏置)


# Glossary terms whose Chinese must appear wherever the English term is translated (the lecture's terms).
_CHECKED = [term for term in i18n.glossary() if term.english.lower() != term.chinese.lower()
            and term.english not in {"target", "epoch", "parameter", "weight", "gradient", "pixel", "accuracy"}]


def test_the_catalog_uses_the_glossarys_chinese_terms():
    """Where a message says "cross-entropy", its translation says 交叉熵 (and not another word for it)."""
    wrong = []
    for entry in ENTRIES:
        source, translation = _text(entry.id), entry.string if isinstance(entry.string, str) else entry.string[0]
        for term in _CHECKED:
            mentioned = re.search(rf"\b{re.escape(term.english)}s?\b", source, re.IGNORECASE)
            if mentioned and term.chinese not in translation:
                wrong.append(f"{term.english} → {term.chinese}: {source[:50]!r} → {translation[:30]!r}")
    assert not wrong, f"{len(wrong)} translations miss the glossary's term:\n" + "\n".join(wrong[:20])
    assert "偏置" not in "".join(e.string if isinstance(e.string, str) else e.string[0] for e in ENTRIES)


def _plain_entry():
    return next(e for e in ENTRIES if isinstance(e.id, str) and "{" not in e.id)


def test_the_language_is_per_call_not_per_process():
    """i18n reads the language from the registered source on every call (one session per thread).

    In a fresh interpreter: this process's source is the Streamlit sessions' (ui.language), for the other tests.
    """
    entry = _plain_entry()
    script = f"""
import json, i18n
language = {{"value": "zh"}}
i18n.set_language_source(lambda: language["value"])
seen = [i18n._({entry.id!r})]
for code in ("en", "fr"):  # English, and an unknown code: English
    language["value"] = code
    seen.append(i18n._({entry.id!r}))
i18n.set_language_source(lambda: 1 / 0)  # no session in this thread: English
seen.append(i18n._({entry.id!r}))
print(json.dumps(seen))
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [entry.string, entry.id, entry.id, entry.id]


def test_using_sets_this_threads_language_and_bound_keeps_it():
    """``using``: the language of one block in one thread; ``bound``: a function fixed to the language it was
    made in (a widget's format_func, called later by AppTest in a thread of no session)."""
    entry = _plain_entry()
    with i18n.using("zh"):
        assert i18n.current() == "zh" and i18n._(entry.id) == entry.string
        with ThreadPoolExecutor(1) as pool:   # another thread (no session): English
            assert pool.submit(i18n._, entry.id).result() == entry.id
        with i18n.using("en"):
            assert i18n._(entry.id) == entry.id
        assert i18n._(entry.id) == entry.string
        label = i18n.bound(lambda: i18n._(entry.id))
    assert i18n.current() == "en" and i18n._(entry.id) == entry.id
    assert label() == entry.string                                     # still the language it was made in
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(label).result() == entry.string
    with i18n.using("fr"):                                               # an unknown code: English
        assert i18n.current() == "en"


@pytest.mark.parametrize(("code", "language"), [("zh", "zh"), ("zh-CN", "zh"), ("zh_Hans_CN", "zh"), ("ZH-tw", "zh"),
                                                ("en-GB", "en"), ("en", "en"), ("fr-FR", None), ("", None),
                                                (None, None), (["zh"], None), ("zh" * 40, None)])
def test_language_codes_from_links_and_browsers(code, language):
    assert i18n.normalize(code) == language
