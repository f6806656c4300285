"""Step 3's playground, its three columns: the data and input features | the network, changed where it
is drawn | the output over the data with the loss curves.

Every widget here mirrors a setting in session state (ui.widgets.persistent); the playground
(ui/sections/step3_train.py) reads the settings and builds or resumes the run before it draws these.
"""

from __future__ import annotations

import dataclasses
from functools import lru_cache

import streamlit as st

import i18n
from i18n import N_, _, ngettext
from lessons import features as feats
from lessons import neuron_pictures
from lessons.grid import plane_grid
from services import limits
from services import training as tr
from ui.components.playground_canvas import edited_weight, network_canvas, plane_canvas
from ui.views import live_charts as charts
from ui.views import playground_network
from ui.widgets import persistent

BATCHES = [1, 2, 4, 8, 16, 32, 64, 128, 256]
PICTURE_SAMPLE = 500   # digits: the test digits whose class means make the deeper neurons' pictures
NETWORK_KEY = "train_network_view"  # the network's canvas (ui/components/playground_canvas)
PLANE_KEY = "train_plane_view"      # the output over the plane, with the data
WEIGHT_NOTICE = "train_weight_notice"  # why a weight typed on the canvas was refused, shown once


def shared(name: str, options=None, **kwargs) -> dict:
    """A setting kept in session_state[name] (ui/state.py), shown by the widget ``step3_<name>``."""
    return persistent(name, f"step3_{name}", options=options, **kwargs)


# --- the data and the input features ------------------------------------------------------------
def _regenerate():
    st.session_state["seed"] = (int(st.session_state["seed"]) + 1) % 10_000


def _features_keep(picked, chosen: tuple) -> tuple:
    new = tuple(f for f in feats.FEATURES if f in (picked or ()))
    if not new:
        st.session_state["train_notice"] = ("warning", _("The network needs at least one input feature: the last "
                                                         "one stays on."))
        return chosen
    return new


def data_panel(run: tr.TrainingRun) -> None:
    from ui.sections.step3_train import OPTIMIZER_HELP, dataset_name, optimizer_name

    s = run.settings
    toy = s.dataset != "digits"
    st.selectbox(_("Data set"), list(tr.DATASETS), format_func=i18n.bound(dataset_name),
                 **shared("dataset", list(tr.DATASETS)))
    st.selectbox(_("Optimizer"), list(tr.OPTIMIZERS), format_func=i18n.bound(optimizer_name),
                 **shared("optimizer", list(tr.OPTIMIZERS)), help=_(OPTIMIZER_HELP))
    if toy:
        st.pills(_("Input features"), list(feats.FEATURES), selection_mode="multi",
                 format_func=lambda name: feats.FEATURES[name][0], width="stretch", wrap=True,
                 **shared("features", show=list, keep=_features_keep),
                 help=_("What the network is given about each point (x₁, x₂). With x₁² and x₂², a circle "
                        "becomes a straight line, and even a network without hidden layers separates it."))
        st.slider(_("Training points (%)"), *limits.TRAIN_PERCENTS, step=10, **shared("train_percent"),
                  help=_("The share of the 400 points in the **training set**, which the network learns from; "
                         "the rest form the **test set**."))
        st.slider(_("Noise"), min_value=0.0, max_value=0.5, step=0.05, **shared("noise"))
    else:
        st.caption(_("Inputs: the 256 pixels of each 16×16 digit."))
    with st.container(horizontal=True, gap="small"):
        if toy:
            st.button(_("New data"), key="train_regenerate", icon=":material/autorenew:", on_click=_regenerate,
                      help=_("New random points and new starting weights: the seed goes up by one."))
        with st.popover(_("More"), icon=":material/tune:", help=_("Batch size, epochs and the seed")):
            st.select_slider(_("Batch size"), BATCHES, disabled=s.optimizer == "gd", **shared("batch_size", BATCHES),
                             help=_("Examples per step. Gradient descent (the lecture's rule) uses every training "
                                    "example."))
            st.number_input(_("Epochs"), min_value=1, max_value=limits.MAX_EPOCHS, step=10, **shared("epochs"))
            st.number_input(_("Seed"), min_value=0, max_value=9999, step=1, **shared("seed"),
                            help=_("Fixes the starting weights θ⁰, the data and the shuffling."))


# --- the network, changed where it is drawn ------------------------------------------------------
def _set_hidden(hidden: tuple[int, ...]) -> None:
    spec = st.session_state["spec"]
    try:
        st.session_state["spec"] = limits.check_spec(dataclasses.replace(spec, hidden=tuple(hidden)))
    except ValueError as err:  # LimitExceeded included: keep the network, say why
        n = len(spec.hidden)
        st.session_state["train_notice"] = ("error", ngettext(
            "{reason} Keeping {n} hidden layer: {sizes}.", "{reason} Keeping {n} hidden layers: {sizes}.", n).format(
            reason=err, n=n, sizes=" → ".join(map(str, spec.hidden)) or _("none")))


def _add_layer():
    hidden = st.session_state["spec"].hidden
    _set_hidden((*hidden, hidden[-1] if hidden else 4))


def _remove_layer():
    _set_hidden(st.session_state["spec"].hidden[:-1])


def _resize(k: int, change: int):
    hidden = list(st.session_state["spec"].hidden)
    hidden[k] = max(1, hidden[k] + change)
    _set_hidden(tuple(hidden))


def icon_button(label: str, key: str, icon: str, on_click, args=(), disabled: bool = False) -> None:
    st.button(label, key=key, icon=f":material/{icon}:", on_click=on_click, args=args, type="tertiary",
              disabled=disabled, help=label)


def network_panel(run: tr.TrainingRun):
    """The + and − over the layers, a place for the network's chart (:func:`network_chart`, drawn live) and
    its caption; returns the place."""
    hidden = run.settings.hidden
    sizes = run.model.sizes()
    with st.container(key="train_layer_buttons"):  # stays one row on a phone (PAGE_STYLE in step3_train)
        columns = st.columns(len(sizes), gap="small")
    # Icon buttons: their labels are for screen readers; step3_train.PAGE_STYLE hides them from the eye.
    with columns[0]:
        with st.container(horizontal=True, horizontal_alignment="center", gap=None):
            icon_button(_("Add a hidden layer"), "net_add_layer", "add", _add_layer,
                        disabled=len(hidden) >= limits.MAX_HIDDEN_LAYERS)
            icon_button(_("Remove the last hidden layer"), "net_remove_layer", "remove", _remove_layer,
                        disabled=not hidden)
        # Under its two buttons, centred (beside them it spilled over layer 1's on a phone).
        with st.container(key="train_layers_caption"):
            st.caption(_("layers"))
    more, fewer = _("One more neuron in layer {k}"), _("One neuron fewer in layer {k}")
    for k, n in enumerate(hidden):
        with columns[k + 1], st.container(horizontal=True, horizontal_alignment="center", gap=None):
            icon_button(more.format(k=k + 1), f"net_add_{k}", "add", _resize, (k, 1),
                        disabled=n >= limits.MAX_NEURONS_PER_LAYER)
            icon_button(fewer.format(k=k + 1), f"net_remove_{k}", "remove", _resize, (k, -1),
                        disabled=n <= 1)
    place = st.container(key="train_network")
    params = f"{run.model.count_params():,}"
    if hidden:
        line = ngettext("**{n} hidden layer**, {params} parameters.", "**{n} hidden layers**, {params} parameters.",
                        len(hidden)).format(n=len(hidden), params=params)
    else:
        line = _("**No hidden layer**: the inputs feed the output directly (logistic regression), {params} "
                 "parameters.").format(params=params)
    st.caption(_("{summary} {note}").format(summary=line, note=neuron_note(run.settings.dataset)))
    return place


def _set_weight() -> None:
    """A weight typed on a link of the canvas: set it, or say why not (the run keeps its weights)."""
    edit = edited_weight(NETWORK_KEY)
    if not isinstance(edit, dict):
        return
    try:
        st.session_state["train_run"].set_weight(edit.get("layer"), edit.get("source"), edit.get("target"),
                                                 edit.get("value"))
    except ValueError as err:
        st.session_state[WEIGHT_NOTICE] = str(err)


def network_chart(run: tr.TrainingRun) -> None:
    """The network with a picture in every neuron and its links, as the weights are now; a click on a link
    sets its weight."""
    notice = st.session_state.pop(WEIGHT_NOTICE, None)
    if notice:  # a toast: a message in the column would move the pictures under the student's pointer
        st.toast(notice, icon=":material/error:")
    if run.settings.dataset == "digits":
        X, y = run.data.X_test[:PICTURE_SAMPLE], run.data.y_test[:PICTURE_SAMPLE]
        pictures, labels = neuron_pictures.digit_pictures(run.model, X, y), pixel_labels(i18n.current())
    else:
        pictures = neuron_pictures.plane_pictures(run.model, run.settings.features)
        labels = feats.labels(run.settings.features)
    network_canvas(playground_network.network_picture(run.model, pictures, labels), key=NETWORK_KEY,
                   alt=_("The network: a picture in every neuron, links blue for + and orange for − weights"),
                   on_weight=_set_weight)


@lru_cache(maxsize=len(i18n.LANGUAGES))
def pixel_labels(lang: str) -> tuple[str, ...]:
    """The 256 inputs' names in a language (built once per language, not on every tick)."""
    return tuple(i18n.in_language(lang, N_("pixel {i}")).format(i=i + 1) for i in range(256))


def neuron_note(dataset: str) -> str:
    if dataset == "digits":
        return _("Layer 1: each neuron's 256 weights as a 16×16 picture. Later layers: the neuron's mean output "
                 "for each digit, 0–4 above 5–9. Links: blue +, orange −, wider = larger |w|; click one to set its "
                 "weight.")
    return _("Each neuron shows its output a over the plane x₁, x₂ (blue +, orange −). Links: blue +, orange −, "
             "wider = larger |w|. Hover for values; click a link to set its weight; + and − above a layer "
             "change it.")


# --- the output over the data, and the loss curves ------------------------------------------------
def output_panel(run: tr.TrainingRun):
    """Places for the numbers and loss curves and for the output over the data (both drawn live), the
    boundary's checkboxes between them; returns the two places."""
    s = run.settings
    curves_place = st.container(key="train_curves")
    if s.dataset == "digits":
        return curves_place, st.container(key="train_boundary")
    with st.container(horizontal=True, gap="small"):
        st.checkbox(_("Show test data"), **shared("show_test"))
        st.checkbox(_("Discretize output"), **shared("discretize"),
                    help=_("Colour each point of the plane by the class it is given (P ≥ 0.5), not by P itself: "
                           "the **decision boundary** is where the colour changes.")
                    if not s.regression else _("Round the output to −1, 0 or 1."))
    boundary_place = st.container(key="train_boundary")
    show_test = st.session_state["show_test"]
    if s.regression:
        caption = (_("The plane x₁ (across), x₂ (up). Shade: the output ŷ from orange (−1) to blue (+1); dots: the "
                     "targets on the same scale (test points: diamonds).") if show_test else
                   _("The plane x₁ (across), x₂ (up). Shade: the output ŷ from orange (−1) to blue (+1); dots: the "
                     "targets on the same scale."))
    else:
        caption = (_("The plane x₁ (across), x₂ (up). Shade: P(class 1) from orange (0) to blue (1); dots: class 0 "
                     "orange, class 1 blue (test points: diamonds).") if show_test else
                   _("The plane x₁ (across), x₂ (up). Shade: P(class 1) from orange (0) to blue (1); dots: class 0 "
                     "orange, class 1 blue."))
    st.caption(caption)
    return curves_place, boundary_place


def curves(run: tr.TrainingRun) -> None:
    """The run's state and loss numbers, and the small train and test loss curves."""
    s, p = run.settings, run.progress
    loss_name = _("mean squared error") if s.regression else _("mean cross-entropy L/N")
    state = run.state
    if p.train_accuracy is not None:
        state = _("{state} · test accuracy **{accuracy} %**").format(state=state,
                                                                      accuracy=f"{100 * p.test_accuracy:.1f}")
    losses = _("Test loss **{test}** · training loss **{train}**").format(test=f"{p.test_loss:.3f}",
                                                                           train=f"{p.loss:.3f}")
    st.markdown(f":small[{state}]  \n{losses}")
    st.vega_lite_chart(charts.curves_chart(run.history, compact=True, loss_title=loss_name,
                                           blowup=run.blowup).to_vega_lite(),
                       width="stretch", height=95, alt=_("Training and test loss over the epochs (the x axis: epochs)"))


def boundary(run: tr.TrainingRun) -> None:
    """The network's output over the plane x₁, x₂ with the data points (not for the digits)."""
    s = run.settings
    if s.dataset == "digits":
        return

    def inputs(points):
        return feats.transform(points, s.features)

    resolution = charts.plane_resolution(run.model.count_params())
    show_test = st.session_state["show_test"]
    picture = charts.plane_picture(
        plane_grid(run.model, resolution=resolution, inputs=inputs), plane_grid(run.model, 12, inputs=inputs),
        run.data.points, run.data.y, size=210,
        X_test=run.data.points_test if show_test else None, y_test=run.data.y_test if show_test else None,
        discretize=st.session_state["discretize"], regression=s.regression)
    plane_canvas(picture, key=PLANE_KEY, alt=_("The network's output over the plane, with the data points"))
