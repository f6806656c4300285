"""Issue 13: every Streamlit cache is bounded, and Step 2 keys its landscape cache without serialising the model."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import open_page, plotly_spec

import nnlib

ROOT = Path(__file__).resolve().parents[1]
APP_SOURCES = ["app.py", "pages", "ui", "services", "lessons"]
CACHES = {"cache_data", "cache_resource"}


def app_files():
    for name in APP_SOURCES:
        path = ROOT / name
        yield from ([path] if path.is_file() else sorted(path.rglob("*.py")))


def unbounded_caches():
    """'path:line' of every st.cache_data / st.cache_resource decorator with neither max_entries nor ttl."""
    found = []
    for path in app_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                if name not in CACHES:
                    continue
                keywords = {k.arg for k in dec.keywords} if isinstance(dec, ast.Call) else set()
                if not keywords & {"max_entries", "ttl"}:
                    found.append(f"{path.relative_to(ROOT)}:{dec.lineno} {node.name}")
    return found


def test_the_scan_sees_the_app_caches():
    assert len(list(app_files())) > 20
    assert any("cache_data" in p.read_text(encoding="utf-8") for p in app_files())


def test_every_streamlit_cache_has_max_entries_or_ttl():
    assert unbounded_caches() == []


def test_the_fingerprint_follows_the_weights_and_the_architecture():
    from services.model_files import fingerprint

    spec = nnlib.NetworkSpec(n_in=2, hidden=(4,), n_out=2)
    a, b = spec.build(seed=0), spec.build(seed=0)
    assert fingerprint(a) == fingerprint(b)
    b.params[0][0, 0] += 1e-3
    assert fingerprint(a) != fingerprint(b)
    assert fingerprint(a) != fingerprint(nnlib.NetworkSpec(n_in=2, hidden=(4,), n_out=2, activation="tanh").build(0))


@pytest.fixture
def no_serialisation(monkeypatch):
    import nnlib.serialization as serialization

    def refuse(*args, **kwargs):
        raise AssertionError("Step 2 serialised the model on a rerun")

    monkeypatch.setattr(serialization, "to_bytes", refuse)
    monkeypatch.setattr(nnlib, "save", refuse)


def test_step2_does_not_serialise_the_model_on_a_rerun(no_serialisation):
    at = open_page("pages/step2_loss.py")  # asserts no exception
    fig = plotly_spec(at, "landscape")
    at.slider(key="land_span").set_value(4.0).run()  # a rerun with a new landscape
    assert not at.exception, at.exception
    assert plotly_spec(at, "landscape") != fig
