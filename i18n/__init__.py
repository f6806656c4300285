"""The app's two languages: English (the source text) and Simplified Chinese (gettext catalogs).

Every sentence a student reads is written in English in the code and wrapped in :func:`_` (or marked
with :func:`N_` where it is defined before it is shown). The translations live in standard gettext
catalogs, ``i18n/locales/zh_CN/LC_MESSAGES/messages.po``, kept with Babel's commands (see README):

    pybabel extract -F babel.cfg -o i18n/messages.pot .
    pybabel update -i i18n/messages.pot -d i18n/locales -D messages --ignore-obsolete
    pybabel compile -d i18n/locales -D messages

The language is per session, never per process: ``gettext.install`` would make one student's choice
everyone's. Whoever runs the app tells this module where a session's language is read from
(:func:`set_language_source`; the Streamlit side reads it from the session's state). Without one, and in
threads that belong to no session, the language is English. The loaded catalogs are read-only and
shared by every session.

Formulas keep the lecture's notation (σ, z, a, W, b, C, L, η, ∇L) in both languages.
"""

from __future__ import annotations

import csv
import gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache, wraps
from pathlib import Path
from typing import NamedTuple

LANGUAGES = {"zh": "中文", "en": "English"}   # code → the switch's label, each in its own language (中文 first)
DEFAULT = "en"
DOMAIN = "messages"
LOCALE_DIR = Path(__file__).parent / "locales"
_CATALOG_LOCALES = {"zh": "zh_CN"}  # the language code of links and state → the catalog's folder

_source: Callable[[], str | None] | None = None
_chosen: ContextVar[str | None] = ContextVar("i18n_language", default=None)  # set by using(), per thread


def set_language_source(source: Callable[[], str | None] | None) -> None:
    """Register where the current session's language is read (``None``: always English).

    ``source()`` returns a code of :data:`LANGUAGES`, or ``None``; if it raises (no session in this
    thread), the language is English.
    """
    global _source
    _source = source


def normalize(code: object) -> str | None:
    """A language code from a link, a browser locale or state → ``"en"``, ``"zh"`` or ``None``.

    ``"zh"``, ``"zh-CN"``, ``"zh_Hans"``, ``"ZH-tw"`` → ``"zh"`` (the app has one Chinese);
    ``"en-GB"`` → ``"en"``; anything else, and anything that is not a short string → ``None``.
    """
    if not isinstance(code, str) or not 0 < len(code) <= 35:
        return None
    primary = code.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def current() -> str:
    """The language of the session this thread works for (English outside any session).

    Inside :func:`using`, the language given there.
    """
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    if _source is None:
        return DEFAULT
    try:
        return normalize(_source()) or DEFAULT
    except Exception:  # no session here (a background thread, a test without Streamlit)
        return DEFAULT


@contextmanager
def using(language: str) -> Iterator[None]:
    """Within the block, this thread's texts are in ``language`` (whatever its session's)."""
    token = _chosen.set(normalize(language) or DEFAULT)
    try:
        yield
    finally:
        _chosen.reset(token)


def bound(function: Callable) -> Callable:
    """``function``, always answering in the language current now (a widget's ``format_func``).

    Streamlit calls a widget's ``format_func`` while the session's script runs, but other callers may
    call it later from a thread of no session (AppTest does, to find a chosen option's label): bound,
    it gives the labels the page was drawn with.
    """
    language = current()

    @wraps(function)
    def in_language(*args, **kwargs):
        with using(language):
            return function(*args, **kwargs)

    return in_language


@lru_cache(maxsize=len(LANGUAGES))
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language, loaded once per process (English: the identity)."""
    folder = _CATALOG_LOCALES.get(language)
    if folder is None:
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[folder], fallback=True)


def _(message: str) -> str:
    """``message`` in the current session's language (the English text itself when untranslated)."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for ``n``, in the current session's language."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, where the same English word needs two translations."""
    return translations(current()).pgettext(context, message)


def N_(message: str) -> str:
    """Mark a text for the catalog where it is defined; translate it with :func:`_` where it is shown."""
    return message


def in_language(language: str, message: str) -> str:
    """``message`` in a given language, whatever the session's (for tests and the glossary)."""
    return translations(normalize(language) or DEFAULT).gettext(message)


class Term(NamedTuple):
    """One line of the glossary: the lecture's term in both languages and where the app first teaches it."""

    english: str
    chinese: str
    page: str       # the page's url path ("" is Home), as in ui/navigation.py


GLOSSARY_FILE = Path(__file__).parent / "glossary.csv"


@lru_cache(maxsize=1)
def glossary() -> tuple[Term, ...]:
    """The glossary (i18n/glossary.csv): English term, Chinese term, the page where it first appears."""
    with GLOSSARY_FILE.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader(line for line in file if not line.startswith("#"))
        return tuple(Term(row["english"].strip(), row["chinese"].strip(), row["page"].strip()) for row in rows)
