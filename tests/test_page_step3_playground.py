"""Step 3 as a playground (issue 12), AppTest: the toolbar, the network changed where it is drawn,
input features, regularisation, regression, the train/test ratio, the digits preset, and a learning
rate that is tried before it is offered."""

from __future__ import annotations

import numpy as np

from services import training as tr
from tests.test_page_step3 import network_view, open_page, plane_view, run_of


def errors(at) -> list:
    return [e.value for e in at.exception] + [e.value for e in at.error]


def test_the_network_grows_and_shrinks_where_it_is_drawn():
    at = open_page()
    assert run_of(at).model.sizes() == [2, 4, 4, 2]
    at.button(key="net_add_0").click().run()
    assert at.session_state["spec"].hidden == (5, 4) and run_of(at).model.sizes() == [2, 5, 4, 2]
    at.button(key="net_add_layer").click().run()
    assert at.session_state["spec"].hidden == (5, 4, 4)
    at.button(key="net_remove_1").click().run()
    at.button(key="net_remove_layer").click().run()
    assert at.session_state["spec"].hidden == (5, 3) and not errors(at)
    network = network_view(at)
    # 2 inputs + 5 + 3 + 2 neurons, each with a picture; a link for every weight drawn
    assert len(network["neurons"]["rgb"]) == 12 and network["editable"]
    assert len(network["links"]["w"]) == 2 * 5 + 5 * 3 + 3 * 2
    W1 = run_of(at).model.layers[0].get_weights()[0]
    np.testing.assert_allclose(network["links"]["w"][:5], W1[:5, 0], rtol=1e-6)  # W is (n_out, n_in)


def test_input_features_set_the_input_layer():
    at = open_page()
    at.pills(key="step3_features").set_value(["x1", "x2", "x1_squared", "x2_squared"]).run()
    assert at.session_state["features"] == ("x1", "x2", "x1_squared", "x2_squared")
    run = run_of(at)
    assert run.model.n_in == 4 and run.data.X.shape[1] == 4
    np.testing.assert_allclose(run.data.X[:, 2], run.data.points[:, 0] ** 2, rtol=1e-6)
    names = network_view(at)["neurons"]["name"][:4]
    assert names == ["x₁", "x₂", "x₁²", "x₂²"]
    # The order of the clicks does not matter: the input layer keeps the Playground's order.
    at.pills(key="step3_features").set_value(["sin_x2", "x1"]).run()
    assert at.session_state["features"] == ("x1", "sin_x2") and run_of(at).model.n_in == 2
    at.pills(key="step3_features").set_value([]).run()  # none at all: refused, with a message
    assert at.session_state["features"] == ("x1", "sin_x2")
    assert at.pills(key="step3_features").value == ["x1", "sin_x2"]
    assert any("at least one input feature" in w.value for w in at.warning)


def test_regularisation_and_the_training_share_reach_the_run():
    at = open_page()
    at.selectbox(key="step3_regularization").set_value("L1").run()
    at.selectbox(key="step3_reg_rate").set_value(0.01).run()
    opt = run_of(at).trainer.optimizer
    assert opt.l1 == 0.01 and opt.weight_decay == 0.0
    at.selectbox(key="step3_regularization").set_value("L2").run()
    opt = run_of(at).trainer.optimizer
    assert opt.l1 == 0.0 and opt.weight_decay == 0.01
    at.slider(key="step3_train_percent").set_value(80).run()
    run = run_of(at)
    assert run.data.X.shape[0] == 320 and run.data.X_test.shape[0] == 80 and not errors(at)


def test_regression_draws_the_output_value_and_the_mean_squared_error():
    at = open_page(optimizer="adam", learning_rate=0.03)
    at.selectbox(key="step3_dataset").set_value("plane").run()
    run = run_of(at)
    assert run.model.sizes()[-1] == 1 and type(run.model.loss).__name__ == "MeanSquaredError"
    for _ in range(3):
        at.button(key="train_step").click().run()
    assert not errors(at) and run_of(at).progress.train_accuracy is None
    boundary = plane_view(at)
    assert boundary["texts"]["value"] == "output ŷ"  # what the plane's hover calls its value
    points = boundary["points"]
    assert len(points["fill"]) == len(points["value"]) and isinstance(points["value"][0], float)


def test_show_test_points_and_discretize_change_the_picture():
    at = open_page()
    before = plane_view(at)
    assert set(before["points"]["test"]) == {0}
    at.checkbox(key="step3_show_test").check().run()
    at.checkbox(key="step3_discretize").check().run()
    after = plane_view(at)
    assert set(after["points"]["test"]) == {0, 1}
    assert after["shade"]["rgb"] != before["shade"]["rgb"]


def test_digits_on_a_tiny_network_is_flagged_before_training_with_one_fix():
    at = open_page()
    at.selectbox(key="step3_dataset").set_value("digits").run()
    assert any("A hidden layer of 4 neurons" in w.value for w in at.warning)
    at.button(key="train_digits_preset").click().run()
    assert at.session_state["spec"].hidden == (64, 32) and at.session_state["optimizer"] == "adam"
    run = run_of(at)
    assert run.model.sizes() == [256, 64, 32, 10] and run.settings.learning_rate == 0.003
    assert not any("A hidden layer" in w.value for w in at.warning)
    assert any("digits preset is set" in s.value for s in at.success)


def test_an_exploding_rate_offers_a_rate_that_was_tried():
    at = open_page(optimizer="gd", learning_rate=100.0)
    for _ in range(30):
        at.button(key="train_step").click().run()
        if run_of(at).error:
            break
    run = run_of(at)
    assert run.error and run.blowup is not None
    text = next(m.value for m in at.markdown if "Tried, not guessed" in m.value)
    offered = float(text.split("η = ")[1].split(" ")[0])
    assert at.button(key="train_lower_rate").label == f"Use η = {offered:g}"
    assert f"at step {run.blowup.step:,}" in run.state
    # The offered rate really trains: a copy at that rate does not blow up for the steps it was tried.
    at.button(key="train_lower_rate").click().run()
    assert at.session_state["learning_rate"] == offered
    for _ in range(5):
        at.button(key="train_step").click().run()
    assert not run_of(at).error and not errors(at)
    assert tr.setup_warning(run_of(at).settings) is None


def test_a_loaded_file_opens_in_the_playground_paused_on_its_own_data():
    from nnlib import serialization
    from services import model_files
    from ui.state import DEFAULTS

    settings = tr.RunSettings("spiral", 0.2, 3, (5, 4), "tanh", "adam", 0.03, 32, 200, ("x1", "x2", "x1_squared"))
    trained = tr.TrainingRun(settings, tr.load_data(*settings.data_key()))
    for _ in range(10):
        trained.step_once()
    state = {**DEFAULTS}
    assert model_files.apply_upload(state, "spiral.npz",
                                    serialization.to_bytes(trained.model, meta=model_files.setup_meta(settings)))
    at = open_page(**{k: state[k] for k in ("spec", "dataset", "noise", "seed", "optimizer", "learning_rate",
                                             "batch_size", "epochs", "features", "regularization", "reg_rate",
                                             "train_percent", "train_run", "train_notice", "model",
                                             "model_dataset", "model_setup")})
    run = run_of(at)
    assert run is state["train_run"] and not run.running and run.settings == settings
    assert at.selectbox(key="step3_dataset").value == "spiral"
    assert at.pills(key="step3_features").value == ["x1", "x2", "x1_squared"]
    assert any("spiral.npz is in the playground, paused, on its own spiral data" in i.value for i in at.info)
    for a, b in zip(run.model.get_weights(), trained.model.get_weights()):
        np.testing.assert_array_equal(a, b)
    at.button(key="train_step").click().run()
    assert run_of(at).progress.step == 1 and not errors(at)  # it trains on from the file's weights


# --- the playground in Chinese (issue 11) -----------------------------------------------------------
def playground_texts(at) -> list[str]:
    """What the playground tab shows a student (the page's first tab), and its toasts."""
    from tests.i18n_texts import shown_texts

    return shown_texts(at, at.tabs[0]) + [t.value for t in at.toast]


def assert_all_chinese(at) -> str:
    """No English sentence is left in the playground; returns its texts, joined."""
    from tests.i18n_texts import english_leftovers

    assert not at.exception, at.exception
    texts = playground_texts(at)
    assert english_leftovers(texts) == []
    return "\n".join(texts)


def test_the_playground_in_chinese_idle_after_a_step_and_with_every_rule():
    at = open_page(lang="zh", train_numbers_open=True)
    texts = assert_all_chinese(at)
    for term in ("学习率", "轮", "正则化", "训练集", "测试集", "隐藏层", "输入特征", "优化器", "神经元"):
        assert term in texts, term
    assert at.button(key="train_start").label == "开始" and at.button(key="train_step").label == "单步"
    assert at.selectbox(key="step3_optimizer").value == "gd"  # the codes stay; only what is shown changes
    assert "梯度下降（课程）" in at.selectbox(key="step3_optimizer").options
    assert any(c.value.startswith("**就绪**") for c in at.caption)
    at.button(key="train_step").click().run()
    texts = assert_all_chinese(at)
    assert run_of(at).progress.step == 1 and "已暂停" in texts
    for name in ("sgd", "momentum", "adam"):
        at.selectbox(key="step3_optimizer").set_value(name).run()
        assert_all_chinese(at)
    at.selectbox(key="step3_regularization").set_value("L1").run()
    at.selectbox(key="step3_reg_rate").set_value(0.01).run()
    assert at.session_state["regularization"] == "L1"
    assert "只作用于权重矩阵" in assert_all_chinese(at)  # the decay line of the update rule
    at.checkbox(key="step3_show_test").check().run()
    assert "菱形" in assert_all_chinese(at)
    at.pills(key="step3_features").set_value([]).run()  # refused, with a notice
    assert any("输入特征" in w.value for w in at.warning)
    assert_all_chinese(at)
    at.selectbox(key="step3_dataset").set_value("plane").run()  # regression: its captions and titles
    assert "均方误差" in assert_all_chinese(at)


def test_the_playground_in_chinese_with_the_digits():
    at = open_page(lang="zh", train_numbers_open=True)
    at.selectbox(key="step3_dataset").set_value("digits").run()
    assert at.session_state["dataset"] == "digits"
    assert any("隐藏层" in w.value for w in at.warning)
    assert "使用手写数字的预设" in at.button(key="train_digits_preset").label
    assert_all_chinese(at)
    at.button(key="train_digits_preset").click().run()
    assert any("已套用手写数字的预设" in s.value for s in at.success)
    assert_all_chinese(at)
    at.button(key="train_step").click().run()  # the live numbers come from a fixed sample of the digits
    assert "固定的样本" in assert_all_chinese(at)
    at.button(key="train_full_eval").click().run()
    assert_all_chinese(at)
    at.selectbox(key="step3_optimizer").set_value("gd").run()  # gradient descent on the digits: flagged
    assert any("梯度下降" in w.value for w in at.warning)
    assert_all_chinese(at)


def test_the_playground_in_chinese_when_the_loss_explodes():
    at = open_page(lang="zh", optimizer="gd", learning_rate=100.0)
    for _ in range(30):
        at.button(key="train_step").click().run()
        if run_of(at).error:
            break
    assert run_of(at).error
    texts = assert_all_chinese(at)
    assert "损失爆炸了" in at.error[0].value and "学习率 100 对这个网络来说太大了" in at.error[0].value
    assert "试过，不是猜的" in texts
    assert at.button(key="train_lower_rate").label.startswith("使用 η = ")
    assert "The learning rate 100 is too large" in run_of(at).error  # the run keeps nnlib's English


def test_the_playground_in_chinese_after_a_finished_run():
    at = open_page(lang="zh", epochs=1, train_numbers_open=True)
    at.button(key="train_start").click().run()
    assert_all_chinese(at)  # training…
    for _ in range(5):
        if not run_of(at).running:
            break
        at.run()
    assert run_of(at).done
    assert [t.value for t in at.toast] == ["1 轮训练已完成。要继续训练，请调高轮数，或按“重置”。"]
    assert "已完成" in assert_all_chinese(at)


def test_switching_the_language_keeps_the_run_and_every_setting():
    from tests.i18n_texts import switch_language

    at = open_page(optimizer="adam", learning_rate=0.03)
    at.selectbox(key="step3_dataset").set_value("xor").run()
    at.selectbox(key="step3_regularization").set_value("L2").run()
    at.button(key="train_step").click().run()
    run = run_of(at)
    switch_language(at, "zh")  # (the widgets sent with this run are still the English page's)
    assert run_of(at) is run and run.progress.step == 1
    assert at.selectbox(key="step3_dataset").value == "xor" and at.selectbox(key="step3_regularization").value == "L2"
    assert at.selectbox(key="step3_optimizer").value == "adam" and at.button(key="train_start").label == "开始"
    box = at.selectbox(key="step3_optimizer")   # sent again, so the browser shows it in the new words
    assert box.proto.set_value and box.proto.raw_value == box.options[box.index]
    assert_all_chinese(at)
    at.button(key="train_step").click().run()  # the widgets work on in Chinese
    at.selectbox(key="step3_dataset").set_value("spiral").run()
    assert at.session_state["dataset"] == "spiral" and at.selectbox(key="step3_dataset").value == "spiral"
    assert at.selectbox(key="step3_dataset").options[3] == "螺旋"
    run = run_of(at)
    switch_language(at, "en")
    assert run_of(at) is run and at.button(key="train_start").label == "Start"
