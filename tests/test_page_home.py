"""Home page (AppTest): the three steps, their formulas and links to every page."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def test_home_lays_out_the_three_steps_with_links():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Deep learning in three steps"
    assert [s.value.split(" ", 1)[1] for s in at.subheader[:3]] == [
        "Step 1 · Define a set of functions", "Step 2 · Goodness of a function", "Step 3 · Pick the best function"]
    links = [e.proto.page for e in at.main.get("page_link")]  # the page's own (the sidebar holds the menu)
    assert links == ["define-the-network", "goodness-of-a-function", "pick-the-best-function",
                     "draw-a-digit", "deep-or-fat"]  # url paths
    assert any(r"\theta \leftarrow \theta - \eta \nabla L(\theta)" in e.value for e in at.latex)
    assert any(r"C &= -\sum_i \hat y_i \ln y_i" in e.value for e in at.latex)
    at.switch_page("pages/step1_network.py").run()  # the links' targets are real pages that render
    assert not at.exception


def test_home_states_the_universality_theorem_as_it_is():
    """One hidden layer represents any *continuous* function: the theorem says no more."""
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    text = " ".join(m.value for m in at.markdown)
    assert "any *continuous* function" in text
    assert "any function" not in text
