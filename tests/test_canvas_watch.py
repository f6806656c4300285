"""The digit canvas under a slow server (issue 13): what Python tells the browser, and the browser's script.

The browser side (the note "Reading your drawing…", the "Clearing…" veil, the placeholder, the layers
stacked before the canvas's stylesheet arrives) is tested in headless Chromium in
tests/test_browser_strokes.py; here, without a browser, the marker the page sends with every run of its
fragment: which canvas, how many of its strokes Python has read, and the texts in the page's language.
"""

from __future__ import annotations

import html
import re

import pytest
from test_digits_page import canvas_state, draw, open_page

import i18n
from tests.drawn_digits import draw_digit
from ui.sections.digits_draw import CANVAS_WATCH, _css_string, strokes_in

CJK = re.compile(r"[\u3400-\u9fff]")


def test_strokes_in_counts_the_drawings_objects_and_never_raises():
    assert strokes_in({"objects": [{"type": "path"}, {"type": "path"}], "background": "#000000"}) == 2
    assert strokes_in({"objects": []}) == 0
    for bad in (None, {}, {"objects": None}, {"objects": "path"}, [], "objects"):
        assert strokes_in(bad) == 0


def watch_html(at) -> str:
    bodies = [e.proto.body for e in at.get("html") if "digits-canvas-status" in e.proto.body]
    assert len(bodies) == 1, bodies
    return bodies[0]


def marker(at) -> tuple[str, int]:
    found = re.search(r'data-canvas="([^"]+)" data-read="(\d+)"', watch_html(at))
    return found.group(1), int(found.group(2))


def texts(at) -> dict[str, str]:
    body = watch_html(at)
    said = {name: html.unescape(value) for name, value in re.findall(r'data-(reading|busy|clearing)="([^"]*)"', body)}
    said["loading"] = re.search(r"content: (\"[^\"]*\");", body).group(1)
    return said


@pytest.fixture(scope="module")
def model():
    from nnlib.digits import default_model

    return default_model()


def test_the_page_tells_the_browser_which_canvas_and_how_many_strokes_were_read(model):
    at = open_page()
    assert marker(at) == ("digits_canvas_0", 0)  # nothing drawn yet
    element = next(e for e in at.get("html") if "digits-canvas-status" in e.proto.body)
    assert element.proto.unsafe_allow_javascript and "__digitsCanvasWatch" in element.proto.body

    state = canvas_state(draw_digit(7, 0, seed=1))
    state["drawing"]["raw"] = {"objects": [{"type": "path"}, {"type": "path"}]}
    at.session_state["digits_canvas_0"] = state
    at.run()
    assert not at.exception
    assert marker(at) == ("digits_canvas_0", 2)  # the two strokes of that drawing

    # Clear: a new canvas, nothing of it read yet. (AppTest runs the click as a full run, where the page's
    # st.rerun(scope="fragment") raises; in the browser it is a fragment run. The next run is whole.)
    at.button(key="digits_clear").click().run()
    at.run()
    assert not at.exception
    assert marker(at) == ("digits_canvas_1", 0)
    draw(at, draw_digit(3, 0, seed=2))           # a drawing whose raw objects say nothing: 0 strokes read
    assert marker(at) == ("digits_canvas_1", 0)


def test_the_browsers_texts_are_in_the_pages_language(model):
    english = texts(open_page())
    assert english["reading"] == "Reading your drawing…" and english["clearing"] == "Clearing…"
    assert "busy" in english["busy"] and english["loading"] == '"Loading the canvas…"'
    chinese = texts(open_page(lang="zh"))
    for name, text in chinese.items():
        assert CJK.search(text) and text != english[name], (name, text)
    with i18n.using("zh"):
        assert chinese["reading"] == i18n._("Reading your drawing…")


def test_the_script_survives_streamlits_html_sanitizer():
    """st.html passes through DOMPurify, which removes a script whose text has "<" before a letter or "/"
    (its mXSS rule): one such character in a comment, and none of the canvas watch would run."""
    script = CANVAS_WATCH[CANVAS_WATCH.index("<script>") + len("<script>"):CANVAS_WATCH.index("</script>")]
    assert not re.search(r"<[/\w]", script)
    style = CANVAS_WATCH[CANVAS_WATCH.index("<style>") + len("<style>"):CANVAS_WATCH.index("</style>")]
    assert not re.search(r"<[/\w]", style)
    # The placeholder's text goes into the style as a CSS string: nothing in it can end the string or the style.
    hostile = _css_string('a "quote", a \\ and </style><script>x</script>')
    assert hostile.startswith('"') and hostile.endswith('"') and '"' not in hostile[1:-1]
    assert "<" not in hostile and ">" not in hostile and "\\\\" not in hostile


def test_the_script_is_installed_once_and_the_placeholder_holds_the_canvas_place():
    assert "if (window.__digitsCanvasWatch) return;" in CANVAS_WATCH  # one set of listeners per browser tab
    assert "min-height: @SIDE@px" in CANVAS_WATCH and "content: @LOADING@" in CANVAS_WATCH
    # The script shows no text of its own: it reads the marker's, drawn in the page's language.
    script = CANVAS_WATCH[CANVAS_WATCH.index("<script>"):]
    assert '"busy" : "reading"' in script and 'text("clearing")' in script
    assert "Reading your drawing" not in script and "Clearing…" not in script
