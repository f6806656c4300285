"""Home page (AppTest): the three steps, their formulas and links to every page."""

from __future__ import annotations

from i18n_texts import english_leftovers, shown_texts
from streamlit.testing.v1 import AppTest

import i18n
import nnlib
from services.model_files import apply_upload


def test_home_lays_out_the_three_steps_with_links():
    at = AppTest.from_file("../app.py", default_timeout=60).run()
    assert not at.exception
    assert at.title[0].value == "Deep learning in three steps"
    assert [s.value.split(" ", 1)[1] for s in at.subheader[:3]] == [
        "Step 1 · Define a set of functions", "Step 2 · Goodness of a function", "Step 3 · Pick the best function"]
    links = [e.proto.page for e in at.main.get("page_link")]  # the page's own (the sidebar holds the menu)
    assert links == ["define-the-network", "goodness-of-a-function", "pick-the-best-function",
                     "draw-a-digit", "deep-or-fat", "glossary-of-terms"]  # url paths
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


def test_home_and_the_whole_frame_read_in_chinese():
    """The Chinese Home, sidebar and menu included: no English sentence left; the article's steps and terms."""
    at = AppTest.from_file("../app.py", default_timeout=60)
    at.session_state["lang"] = "zh"
    at.run()
    assert not at.exception
    texts = shown_texts(at)
    assert english_leftovers(texts) == []
    assert at.title[0].value == "深度学习的三个步骤"
    assert [s.value.split(" ", 1)[1] for s in at.subheader[:3]] == [   # the article's three steps
        "第 1 步 · 神经网络：定义函数集", "第 2 步 · 模型评估", "第 3 步 · 选择最优函数"]
    shown = " ".join(texts)
    for term in ("神经网络", "神经元", "权重", "偏差", "激活函数", "函数集", "交叉熵", "总体损失", "梯度下降",
                 "反向传播"):
        assert term in shown, term
    menu = [e.proto.label for e in at.sidebar.get("page_link")]
    assert menu == ["首页", "术语表 · Glossary", "第 1 步 · 定义网络", "第 2 步 · 模型评估", "第 3 步 · 选择最优函数",
                    "手写数字", "深还是胖？"]
    assert [c.value for c in at.sidebar.caption][:3] == ["开始", "三个步骤", "动手试试"]
    assert [e.label for e in at.sidebar.expander] == ["分享这组设置", "保存或载入模型"]
    assert "计算设备" in at.sidebar.caption[3].value
    # The sidebar's other states: the share box open, a model to download, a file that was refused.
    at.session_state["share_open"] = True
    at.session_state["model"] = nnlib.NetworkSpec(n_in=2, hidden=(3,), n_out=2).build(seed=1)
    at.session_state["model_dataset"] = "xor"
    with i18n.using("zh"):   # the uploader's callback runs in the Chinese session's run
        apply_upload(at.session_state, "bad.npz", b"not a zip")
    at.run()
    assert not at.exception
    assert english_leftovers(shown_texts(at)) == []
    assert at.sidebar.code[0].value.endswith("lang=zh") and at.sidebar.download_button[0].label == "下载模型（.npz）"
    assert at.sidebar.error[0].value.startswith("bad\\.npz 没有载入：这个文件不是 nnlib 模型")
    # The same session in English again: the texts follow the language, the links keep their addresses.
    at.session_state["lang"] = "en"
    at.run()
    assert at.title[0].value == "Deep learning in three steps"
    assert [e.proto.page for e in at.main.get("page_link")][-1] == "glossary-of-terms"
