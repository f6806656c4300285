"""What a page shows a student, read from an AppTest run, and the English left in a Chinese render.

Used by the Chinese page tests (tests/test_page_*.py, tests/test_digits_page.py) and by anyone translating a
page: render the page with ``lang="zh"`` and :func:`english_leftovers` lists every run of three or more English
words that a student would read (labels, help, captions, alerts, chart titles and axes, table headers), once
formulas, code, links and the names the lecture keeps in English are taken out. :func:`switch_language`
changes a session's language as the switch does.
"""

from __future__ import annotations

import json
import re

# Names a Chinese text keeps as they are (the list, and the names of libraries, files and units).
KEPT_NAMES = {
    "relu", "adam", "softmax", "mnist", "numpy", "cupy", "gpu", "cpu", "sigmoid", "tanh", "sgd", "npz",
    "nnlib", "streamlit", "pytorch", "tensorflow", "lee", "hung-yi", "hung", "yi", "ml", "png", "jpeg",
    "jpg", "playground", "url", "ms", "mb", "kb", "id", "x", "y", "xor", "cuda", "blas",
}

_TEXT_FIELDS = {"body", "label", "help", "options", "placeholder", "caption", "text", "delta", "title",
                "default_value", "tooltip"}
_SPEC_KEYS = {"title", "text", "name", "hovertemplate", "texttemplate", "label", "ticktext", "description",
              "legendgrouptitle", "subtitle", "content"}


# A custom component's data (its "json"): the parts a student reads (ui/components/playground_canvas).
_COMPONENT_KEYS = {"alt", "heads", "more", "name", "texts"}


def _all_strings(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _all_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _all_strings(v)
    elif isinstance(value, str):
        yield value


def _component_strings(value):
    """The strings a student reads in a component's data: under _COMPONENT_KEYS, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from (_all_strings(v) if k in _COMPONENT_KEYS else _component_strings(v))
    elif isinstance(value, list):
        for v in value:
            yield from _component_strings(v)


def _spec_strings(value, key: str | None = None):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _spec_strings(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _spec_strings(v, key)
    elif isinstance(value, str) and key in _SPEC_KEYS:
        yield value


def _proto_strings(message):
    for field, value in message.ListFields():
        name = field.name
        if field.type not in (field.TYPE_MESSAGE, field.TYPE_STRING):
            continue
        items = [value] if isinstance(value, str) or hasattr(value, "ListFields") else list(value)
        if field.type == field.TYPE_MESSAGE:
            for item in items:
                yield from _proto_strings(item)
        elif field.type == field.TYPE_STRING:
            if name == "spec":
                for item in items:
                    try:
                        spec = json.loads(item)
                    except ValueError:  # not a chart's JSON: nothing a student reads
                        continue
                    yield from _spec_strings(spec)
            elif name == "json":  # a custom component's data (its js_content and css_content are code)
                for item in items:
                    try:
                        yield from _component_strings(json.loads(item))
                    except ValueError:
                        continue
            elif name in _TEXT_FIELDS:
                yield from items


def shown_texts(at, block=None) -> list[str]:
    """Every text of the app's last run that a student reads: main area and sidebar, or one ``block`` only
    (``at.main``, ``at.sidebar``, ``at.tabs[1]``: any node of the AppTest tree)."""
    texts: list[str] = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "ListFields"):
            texts.extend(t for t in _proto_strings(proto) if t and t.strip())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree if block is None else block)
    return texts


def switch_language(at, language: str, timeout: float | None = None):
    """Click the page's 中文 / English switch (ui.language) and rerun, as a student does; returns ``at``.

    Unlike setting ``at.session_state["lang"]``, this runs the switch's callback: the next run is the one
    ``ui.language.just_switched()`` marks, where the choice widgets are sent again in the new language.
    """
    at.segmented_control(key="lang_switch").set_value(language).run(timeout=timeout)
    return at


_STRIP = [
    re.compile(r"\$\$.*?\$\$", re.S), re.compile(r"\$[^$]*\$"), re.compile(r"\\\(.*?\\\)", re.S),
    re.compile(r"<(style|script)\b.*?</\1>", re.S | re.I),
    re.compile(r"```.*?```", re.S), re.compile(r"`[^`]*`"), re.compile(r"<[^>]*>"),
    re.compile(r"https?://\S+"), re.compile(r"%\{[^}]*\}"), re.compile(r":material/[a-z_]+:"),
    re.compile(r"\b[\w.-]+\.(?:py|npz|png|csv|json|txt|md)\b"),
]
_ENGLISH_RUN = re.compile(r"[A-Za-z][A-Za-z'’\-]*(?:[ \t,;:]+[A-Za-z][A-Za-z'’\-]*){2,}")


def english_leftovers(texts) -> list[str]:
    """The runs of three or more English words in ``texts`` that are not only kept names.

    st.html's ``<style>`` and ``<script>`` bodies are code, not words: they are left out here.
    """
    found = []
    for text in texts:
        for pattern in _STRIP:
            text = pattern.sub(" ", text)
        for run in _ENGLISH_RUN.findall(text):
            words = re.findall(r"[A-Za-z][A-Za-z'’\-]*", run)
            if any(word.lower() not in KEPT_NAMES for word in words):
                found.append(run)
    return found
