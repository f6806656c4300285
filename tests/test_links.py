"""Shareable links: encode/decode (pure, fuzzed), and the app reading and writing its URL (AppTest)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import nnlib
from services import limits, links
from ui.state import DEFAULTS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
SHARED = {"spec": nnlib.NetworkSpec(n_in=2, hidden=(8, 6, 4), n_out=2, activation="tanh"), "dataset": "spiral",
          "noise": 0.25, "optimizer": "sgd", "learning_rate": 0.3, "batch_size": 32, "epochs": 300, "seed": 1234,
          "features": ("x1", "x2", "sin_x1"), "regularization": "L1", "reg_rate": 0.01, "train_percent": 70,
          "lang": "zh"}
SHARED_QUERY = {"layers": "8,6,4", "act": "tanh", "data": "spiral", "noise": "0.25", "opt": "sgd", "lr": "0.3",
                "batch": "32", "epochs": "300", "seed": "1234", "features": "x1,x2,sin_x1", "reg": "L1",
                "reg_rate": "0.01", "train": "70", "lang": "zh"}


# --- pure encode / decode ------------------------------------------------------------------
def test_encode_writes_every_setting():
    assert links.encode(SHARED) == SHARED_QUERY


def test_decode_reads_them_back_without_notices():
    settings_, notices = links.decode(SHARED_QUERY, DEFAULTS)
    assert notices == []
    assert settings_ == SHARED


def test_share_url_round_trips_through_a_real_query_string():
    url = links.share_url("https://class.example.org/pick-the-best-function", SHARED)
    parts = urlsplit(url)
    assert (parts.netloc, parts.path) == ("class.example.org", "/pick-the-best-function")
    assert "layers=8,6,4" in parts.query                 # commas stay readable
    settings_, notices = links.decode(parse_qs(parts.query), DEFAULTS)
    assert settings_ == SHARED and notices == []


def test_features_are_read_in_the_playgrounds_order_each_once():
    settings_, notices = links.decode({"features": "sin_x2 x1,x1"}, DEFAULTS)
    assert notices == [] and settings_["features"] == ("x1", "sin_x2")


def test_a_regression_link_checks_the_network_with_one_output():
    settings_, notices = links.decode({"data": "plane", "layers": "8", "features": "x1,x2,x1_squared"}, DEFAULTS)
    assert notices == [] and settings_["dataset"] == "plane" and settings_["spec"].hidden == (8,)
    assert links.io_shape("plane", settings_["features"]) == (3, 1)


def test_missing_parameters_keep_their_defaults_silently():
    settings_, notices = links.decode({"seed": "7", "utm_source": "mail"}, DEFAULTS)
    assert notices == []
    assert settings_["seed"] == 7
    assert {k: v for k, v in settings_.items() if k != "seed"} == {
        k: DEFAULTS[k] for k in links.STATE_KEYS if k != "seed"}


def test_no_hidden_layer_is_a_valid_network():
    settings_, notices = links.decode({"layers": "0"}, DEFAULTS)
    assert settings_["spec"].hidden == () and notices == []
    assert links.encode({**DEFAULTS, "spec": settings_["spec"]})["layers"] == "0"


@pytest.mark.parametrize(("param", "value", "why"), [
    ("layers", "abc", "whole number"),
    ("layers", "4,,4", "whole number"),
    ("layers", "-4", "whole number"),
    ("layers", "1,2,3,4,5,6,7,8,9", "at most 8 hidden layers"),
    ("layers", "2000", "from 1 to 1,024"),
    ("layers", "4" * 100, "longer than 64 characters"),
    ("act", "softmax", "one of relu, sigmoid, tanh, linear"),
    ("data", "mnist", "one of circle, xor, gaussian, spiral, digits, plane, gaussians"),
    ("noise", "0.9", "between 0 and 0.5"),
    ("noise", "nan", "between 0 and 0.5"),
    ("noise", "inf", "between 0 and 0.5"),
    ("opt", "rmsprop", "one of gd, sgd, momentum, adam"),
    ("lr", "0", "between 1e-06 and 100"),
    ("lr", "1e309", "between 1e-06 and 100"),
    ("lr", "0x10", "must be a number"),
    ("batch", "0", "from 1 to 10,000"),
    ("batch", "1.5", "whole number"),
    ("epochs", "501", "from 1 to 500"),
    ("seed", "-1", "whole number"),
    ("seed", "10000", "from 0 to 9,999"),
    ("seed", "9" * 5000, "longer than 64 characters"),
    ("features", "x1,x3", "'x3' is not an input feature"),
    ("features", ",", "at least one input feature"),
    ("reg", "L3", "one of none, l1, l2"),
    ("reg_rate", "100", "between 0 and 10"),
    ("train", "95", "from 10 to 90"),
    ("lang", "xx", "one of en, zh"),
    ("lang", "fr-FR", "one of en, zh"),
])
def test_each_bad_value_falls_back_to_its_default_with_a_notice(param, value, why):
    settings_, notices = links.decode({param: value}, DEFAULTS)
    assert settings_ == {k: DEFAULTS[k] for k in links.STATE_KEYS}
    assert len(notices) == 1
    assert notices[0].startswith(f"The link's `{param}` value")
    assert why in notices[0]


def test_hostile_text_is_not_echoed_into_the_page():
    _, notices = links.decode({"act": "<img src=x onerror=alert(1)>[click](javascript:alert(1))"}, DEFAULTS)
    assert len(notices) == 1
    for forbidden in "<>[]()":
        assert forbidden not in notices[0].split("was ignored")[0].split("value", 1)[1]


def test_a_network_over_the_parameter_limit_is_refused_for_its_data_set():
    # 256 inputs → 1024 → 1024 → 10 has 1.33 M parameters: allowed. Three such layers: 2.4 M, refused.
    ok, notices = links.decode({"data": "digits", "layers": "1024,1024"}, DEFAULTS)
    assert notices == [] and ok["spec"].hidden == (1024, 1024)
    refused, notices = links.decode({"data": "digits", "layers": "1024,1024,1024", "act": "tanh"}, DEFAULTS)
    assert refused["spec"].hidden == DEFAULTS["spec"].hidden
    assert refused["spec"].activation == DEFAULTS["spec"].activation
    assert len(notices) == 1 and "parameters" in notices[0] and "2,000,000" in notices[0]


@pytest.mark.parametrize(("value", "language"), [("zh", "zh"), ("zh-CN", "zh"), ("zh_Hans", "zh"), ("ZH-tw", "zh"),
                                                 ("en", "en"), ("en-GB", "en")])
def test_the_links_language_is_read_as_one_of_the_apps_two(value, language):
    settings_, notices = links.decode({"lang": value}, DEFAULTS)
    assert notices == [] and settings_["lang"] == language
    assert {k: v for k, v in settings_.items() if k != "lang"} == {
        k: DEFAULTS[k] for k in links.STATE_KEYS if k != "lang"}


def test_a_link_without_a_language_leaves_the_choice_to_the_browser():
    settings_, notices = links.decode({"seed": "3"}, DEFAULTS)
    assert notices == [] and settings_["lang"] is None


def test_encode_writes_the_sessions_language():
    assert links.encode({**SHARED, "lang": "zh"})["lang"] == "zh"
    assert links.encode({**SHARED, "lang": "en"})["lang"] == "en"
    assert links.encode({**SHARED, "lang": None})["lang"] == "en"      # not chosen yet: the default
    assert "lang=zh" in urlsplit(links.share_url("https://x.example/", {**SHARED, "lang": "zh"})).query


def test_notices_are_written_in_the_sessions_language():
    import i18n

    with i18n.using("zh"):   # as a Chinese session's run
        _, notices = links.decode({"lr": "0", "lang": "xx"}, DEFAULTS)
    assert notices == ["链接中的 `lr` 值 '0' 已被忽略：学习率必须在 1e-06 到 100 之间。",
                       "链接中的 `lang` 值 'xx' 已被忽略：语言必须是 en, zh 之一。"]


def test_repeated_parameters_use_the_last_value():
    settings_, _ = links.decode({"seed": ["1", "2"]}, DEFAULTS)
    assert settings_["seed"] == 2


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from([*links.PARAMS, "x", ""]),
                       st.one_of(st.text(max_size=80), st.lists(st.text(max_size=10), max_size=3),
                                 st.none(), st.integers()), max_size=12))
def test_decode_never_raises_and_always_gives_a_usable_setup(query):
    settings_, notices = links.decode(query, DEFAULTS)
    assert set(settings_) == set(links.STATE_KEYS)
    assert all(isinstance(n, str) and n for n in notices)
    n_in, n_out = links.io_shape(settings_["dataset"], settings_["features"])
    nnlib.NetworkSpec(n_in=n_in, hidden=settings_["spec"].hidden, n_out=n_out,
                      activation=settings_["spec"].activation)      # within the server's limits
    assert settings_["dataset"] in links.DATASETS and settings_["optimizer"] in links.OPTIMIZERS
    assert 0 <= settings_["noise"] <= 0.5 and 0 < settings_["learning_rate"] <= 100
    limits.check_epochs(settings_["epochs"])
    assert settings_["lang"] in (None, "en", "zh")   # None: the link chose none (the browser's then is)
    # encode writes the session's language; one that has not chosen yet is written as the default, English
    assert links.decode(links.encode(settings_), DEFAULTS) == ({**settings_, "lang": settings_["lang"] or "en"}, [])


# --- the app reads the link once and keeps the URL in step ------------------------------------
def open_app(query: dict, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_a_shared_link_sets_up_the_session_and_stays_in_the_url():
    at = open_app(SHARED_QUERY)
    assert {k: at.session_state[k] for k in links.STATE_KEYS} == SHARED
    assert not at.warning
    assert {k: at.query_params[k] for k in SHARED_QUERY} == SHARED_QUERY
    # The share box holds its link only while it is open (opening it reruns the app, which draws the link).
    assert not at.sidebar.code
    at.session_state["share_open"] = True
    at.run()
    assert at.sidebar.code[0].value.endswith("?" + "&".join(f"{k}={v}" for k, v in SHARED_QUERY.items()))


def test_a_hostile_link_falls_back_with_a_notice_and_the_url_is_repaired():
    at = open_app({"layers": "9999,<script>", "lr": "1e999", "seed": "42", "evil": "'; DROP TABLE"})
    assert at.session_state["spec"] == DEFAULTS["spec"]
    assert at.session_state["learning_rate"] == DEFAULTS["learning_rate"]
    assert at.session_state["seed"] == 42
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 2
    assert any("`layers`" in w for w in warnings) and any("`lr`" in w for w in warnings)
    assert at.query_params["layers"] == "4,4" and at.query_params["lr"] == "1"   # the default η of gd
    assert at.query_params["lang"] == "en"     # the session's language joins the address
    assert at.session_state["notices"] == []   # shown once, then cleared


def test_a_chinese_link_opens_the_app_in_chinese_with_its_notices_in_chinese():
    """The link's lang is applied before its notices are written, whatever the parameters' order."""
    at = open_app({"lr": "1e999", "seed": "42", "lang": "zh-CN"})
    assert at.session_state["lang"] == "zh" and at.session_state["seed"] == 42
    assert at.query_params["lang"] == "zh"
    assert [w.value for w in at.warning] == ["链接中的 `lr` 值 '1e999' 已被忽略：学习率必须在 1e-06 到 100 之间。"]
    assert at.title[0].value == "深度学习的三个步骤"


def test_a_bad_language_in_a_link_keeps_the_default_with_a_notice():
    at = open_app({"lang": "xx", "seed": "5"})
    assert at.session_state["lang"] == "en" and at.session_state["seed"] == 5
    assert [w.value for w in at.warning] == ["The link's `lang` value 'xx' was ignored: the language must be one "
                                             "of en, zh."]
    assert at.query_params["lang"] == "en"      # the address is repaired
    # (Later reruns, and the URL following the session, are checked in a real browser:
    # tests/test_browser_deep_or_fat.py. AppTest reruns skip app.py while pages/ exists.)


def test_the_same_link_gives_the_same_training_run_on_step_3():
    """Two sessions opened from one link start from the same θ⁰ and take the same steps."""
    query = {"layers": "5,3", "act": "tanh", "data": "xor", "noise": "0.2", "opt": "sgd", "lr": "0.3",
             "batch": "8", "epochs": "20", "seed": "77"}
    expected_start = nnlib.NetworkSpec(n_in=2, hidden=(5, 3), n_out=2, activation="tanh").build(seed=77)
    sessions = [open_app(query, "pages/step3_training.py") for _ in range(2)]
    for at in sessions:
        run = at.session_state["train_run"]
        assert run.settings.hidden == (5, 3) and run.settings.activation == "tanh"
        assert (run.settings.dataset, run.settings.noise, run.settings.seed) == ("xor", 0.2, 77)
        assert (run.settings.optimizer, run.settings.learning_rate, run.settings.batch_size) == ("sgd", 0.3, 8)
        for w, expected in zip(run.model.get_weights(), expected_start.get_weights()):
            np.testing.assert_array_equal(w, expected)          # the same θ⁰ as nnlib gives for seed 77
        for _ in range(3):
            at.button(key="train_step").click().run()
        assert not at.exception
    a, b = (at.session_state["train_run"] for at in sessions)
    assert a.progress.step == b.progress.step == 3
    for wa, wb in zip(a.model.get_weights(), b.model.get_weights()):
        np.testing.assert_array_equal(wa, wb)                   # same data, same minibatches, same steps
    assert [p.loss for p in a.history] == [p.loss for p in b.history]
    other = open_app({**query, "seed": "78"}, "pages/step3_training.py")
    assert not np.array_equal(other.session_state["train_run"].model.get_weights()[0],
                              expected_start.get_weights()[0])


@pytest.mark.parametrize("query", [
    {"seed": "9999", "lr": "0.0123", "batch": "10000", "noise": "0.123", "epochs": "500"},
    {"data": "digits", "layers": "1024,1024"},
    {"layers": "0", "opt": "gd"},
])
def test_edge_values_from_a_link_open_step_3_cleanly(query):
    at = open_app(query, "pages/step3_training.py")
    assert not at.error, [e.value for e in at.error]
