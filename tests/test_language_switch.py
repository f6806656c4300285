"""The 中文 / English switch (ui.language) and the choice widgets after it (ui.widgets), headless (AppTest).

Streamlit keeps a choice widget's value across a language switch, but a browser shows the old label until
the script sends the value again: in the run after a click on the switch, and only then, ``persistent``
and ``relabel`` send it again, in the new language's words, and no value changes.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

import i18n
from lessons.deep_or_fat import TARGETS
from services.digits import DEFAULT, MODEL_NAMES, STEP3


def _script():
    import streamlit as st

    import i18n
    from i18n import _
    from lessons.deep_or_fat import TARGETS
    from services.digits import DEFAULT, MODEL_NAMES
    from ui import language
    from ui.widgets import persistent, relabel

    language.init()
    language.switch()
    st.session_state.setdefault("switched_in_run", []).append(language.just_switched())
    st.session_state.setdefault("model_choice", DEFAULT)
    st.radio(_("Model"), list(MODEL_NAMES), format_func=i18n.bound(lambda code: _(MODEL_NAMES[code])),
             **persistent("model_choice"))                                   # a persistent choice
    relabel("curve")
    st.selectbox(_("Curve to fit"), list(TARGETS), key="curve",              # a keyed one, not persistent
                 format_func=i18n.bound(lambda code: _(TARGETS[code][0])))
    st.number_input("x", key="x")                                             # no labels to translate
    language.end_of_run()


def values(at: AppTest) -> dict:
    return {key: at.session_state[key] for key in ("model_choice", "model_choice_widget", "curve", "x")}


def test_after_a_switch_the_choices_are_sent_again_in_the_new_language_and_keep_their_values():
    at = AppTest.from_function(_script).run()
    at.radio(key="model_choice_widget").set_value(STEP3).run()
    at.selectbox(key="curve").set_value("step").run()
    at.number_input(key="x").set_value(2.5).run()
    before = values(at)
    radio, box = at.radio(key="model_choice_widget").proto, at.selectbox(key="curve").proto
    assert not radio.set_value and not box.set_value          # an ordinary run sends no value again

    at.segmented_control(key="lang_switch").set_value("zh").run()  # the student clicks 中文
    assert not at.exception, at.exception
    assert at.session_state["lang"] == "zh"
    assert at.session_state["switched_in_run"] == [False] * 4 + [True]  # just_switched(): in this run only
    assert values(at) == before                                          # no value changed
    radio, box = at.radio(key="model_choice_widget"), at.selectbox(key="curve")
    assert radio.value == STEP3 and box.value == "step"
    assert radio.options == [i18n.in_language("zh", MODEL_NAMES[code]) for code in MODEL_NAMES]
    step = i18n.in_language("zh", TARGETS["step"][0])
    assert step != TARGETS["step"][0] and box.options[2] == step
    # Both values are sent again, as the new language's labels (the browser shows them from now on).
    assert radio.proto.set_value and radio.proto.raw_value == i18n.in_language("zh", MODEL_NAMES[STEP3])
    assert box.proto.set_value and box.proto.raw_value == step
    assert not at.number_input(key="x").proto.set_value

    at.run()                                                             # the next run is an ordinary one
    assert at.session_state["switched_in_run"][-1] is False
    assert not at.radio(key="model_choice_widget").proto.set_value and not at.selectbox(key="curve").proto.set_value
    assert values(at) == before

    at.segmented_control(key="lang_switch").set_value("en").run()       # and back: the same, in English
    assert at.session_state["switched_in_run"][-1] is True and values(at) == before
    radio = at.radio(key="model_choice_widget").proto
    assert radio.set_value and radio.raw_value == MODEL_NAMES[STEP3]
    assert at.selectbox(key="curve").value == "step" and at.selectbox(key="curve").proto.raw_value == TARGETS["step"][0]


def test_setting_the_language_elsewhere_is_no_switch():
    """A shared link or a test that sets ``lang`` directly: no click, so nothing is sent again."""
    at = AppTest.from_function(_script).run()
    at.session_state["lang"] = "zh"
    at.run()
    assert at.session_state["switched_in_run"] == [False, False]
    assert at.radio(key="model_choice_widget").value == DEFAULT
    assert not at.radio(key="model_choice_widget").proto.set_value
