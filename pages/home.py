"""Home: the three steps of deep learning at a glance, with a link to each page."""

import streamlit as st

from i18n import _, pgettext
from ui import navigation

navigation.enter(__file__)  # run alone (a fresh server's legacy mode), the page hands over to app.py


def steps() -> list[tuple[str, str, str, str, str, str, str]]:
    """The three steps' cards in the session's language: (page, icon, title, what it is, formula, what to do
    there, link label). The titles are the article's own in Chinese (神经网络 / 模型评估 / 选择最优函数)."""
    return [
        ("pages/step1_network.py", ":material/hub:", pgettext("home", "Step 1 · Define a set of functions"),
         _("A neural network: neurons with weights, biases and an activation, stacked in layers. "
           "Its **structure** defines a set of functions; its parameters θ pick one."),
         r"a^{l} = \sigma\left(W^{l} a^{l-1} + b^{l}\right)",
         _("Change the lecture network's weights, build your own, and see the functions it can draw."),
         _("Open Step 1")),
        ("pages/step2_loss.py", ":material/functions:", pgettext("home", "Step 2 · Goodness of a function"),
         _("Softmax turns the outputs into probabilities; **cross-entropy** measures how far they are from the "
           "target; the total loss adds it up over the data."),
         r"\begin{aligned} C &= -\sum_i \hat y_i \ln y_i \\ L(\theta) &= \sum_{n=1}^{N} C^n \end{aligned}",
         _("Move z and watch softmax, see which examples cost most, and look at the loss landscape."),
         _("Open Step 2")),
        ("pages/step3_training.py", ":material/trending_down:", pgettext("home", "Step 3 · Pick the best function"),
         _("**Gradient descent** walks down the loss: compute ∇L with **backpropagation**, step against it, "
           "repeat."),
         r"\theta \leftarrow \theta - \eta \nabla L(\theta)",
         _("Train your network live, follow backprop neuron by neuron, and see what a too-large η does."),
         _("Open Step 3")),
    ]


st.title(_("Deep learning in three steps"))
st.markdown(_("An interactive companion to Hung-yi Lee's lecture *Deep Learning in three steps*. "
              "Every number on these pages is computed live by a small neural-network library, "
              "so you can change anything and watch what follows."))

for page, icon, title, what, formula, action, label in steps():
    with st.container(border=True):
        text, math = st.columns([1.6, 1], gap="medium", vertical_alignment="center")
        with text:
            st.subheader(f"{icon} {title}")
            st.markdown(f"{what} *{action}*")
            st.page_link(page, label=label, icon=":material/arrow_forward:")
        with math:
            st.latex(formula)

st.subheader(_("Then use it"))
left, right = st.columns(2)
with left, st.container(border=True):
    st.markdown(_("**:material/draw: Draw a digit.** 16×16 pixels in, 10 confidences out: test a trained network "
                  "on your own handwriting."))
    st.page_link("pages/digits.py", label=_("Draw a digit"), icon=":material/arrow_forward:")
with right, st.container(border=True):
    st.markdown(_("**:material/layers: Deep or fat?** One hidden layer can represent any *continuous* function, "
                  "so why go deep? Compare deep and fat networks with the same number of parameters."))
    st.page_link("pages/deep_or_fat.py", label=_("Deep or fat?"), icon=":material/arrow_forward:")
st.caption(_("Based on LeeML-Notes (Hung-yi Lee, *Machine Learning*, NTU). The network you build in Step 1 is "
             "the one Step 3 trains; it stays with you while you move between pages."))
st.page_link("pages/glossary.py", label=_("The lecture's terms in English and in Chinese: the glossary"),
             icon=":material/translate:")
