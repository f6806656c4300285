"""ui.widgets.persistent: a widget keeps its value in session state while its page is not shown."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui.widgets import nearest


def _script():
    import streamlit as st

    from ui.widgets import persistent

    st.session_state.setdefault("rate", 0.05)
    st.session_state.setdefault("point", (1.0, -1.0))
    st.session_state.setdefault("target", 0)
    if st.session_state.get("show", True):  # False: "another page", where these widgets are not made
        st.select_slider("Rate", [0.01, 0.03, 0.1], **persistent("rate", "rate_box", options=[0.01, 0.03, 0.1]))
        st.number_input("x2", **persistent("point", "x2_box", part=1))
        st.radio("Class", [1, 2, 3], **persistent("target", show=lambda t: t + 1, keep=lambda c, _: c - 1))


def test_a_value_survives_a_page_without_its_widget():
    at = AppTest.from_function(_script).run()
    assert at.select_slider(key="rate_box").value == 0.03        # 0.05 snapped to the nearest stop
    assert at.session_state["rate"] == 0.03
    at.select_slider(key="rate_box").set_value(0.1).run()
    at.number_input(key="x2_box").set_value(2.5).run()
    at.radio(key="target_widget").set_value(3).run()
    assert at.session_state["point"] == (1.0, 2.5) and at.session_state["target"] == 2
    at.session_state["show"] = False
    at.run()
    assert "rate_box" not in at.session_state                   # Streamlit dropped the widgets' own keys
    at.session_state["show"] = True
    at.run()
    assert at.select_slider(key="rate_box").value == 0.1
    assert at.number_input(key="x2_box").value == 2.5 and at.radio(key="target_widget").value == 3


def test_the_widget_follows_a_value_changed_elsewhere():
    at = AppTest.from_function(_script).run()
    at.session_state["point"] = (0.0, -4.0)                      # e.g. a button's callback or a shared link
    at.session_state["target"] = 1
    at.run()
    assert at.number_input(key="x2_box").value == -4.0 and at.radio(key="target_widget").value == 2


def test_nearest_is_by_ratio_for_rates():
    rates = [0.001, 0.01, 0.1, 1.0]
    assert nearest(rates, 0.004) == 0.01 and nearest(rates, 0.04) == 0.1   # by difference: 0.001 and 0.01
    assert nearest(rates, 0.003) == 0.001
    assert nearest(rates, 0.0) == 0.001 and nearest(rates, 1e9) == 1.0
    assert nearest(["circle", "xor"], "moon") == "circle"
