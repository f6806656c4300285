"""nnlib.digits.errors: an ExplainedError keeps its English template and values apart, for any gettext."""

from __future__ import annotations

import copy
import doctest
import pickle

import pytest

from nnlib.digits import ExplainedError, ImageError, errors


def test_an_explained_error_is_its_english_sentence_and_keeps_template_and_values():
    error = ExplainedError(errors.N_("The file is {size}; at most {limit} are allowed."), size="6.0 MB",
                           limit="5.0 MB")
    assert isinstance(error, ValueError)
    assert str(error) == "The file is 6.0 MB; at most 5.0 MB are allowed."
    assert error.template == "The file is {size}; at most {limit} are allowed."
    assert error.values == {"size": "6.0 MB", "limit": "5.0 MB"}
    with pytest.raises(ValueError, match=r"^The file is 6\.0 MB"):
        raise error


def test_in_language_translates_the_template_and_fills_in_the_values():
    error = ExplainedError("The file is {size}.", size="1.2 MB")
    asked = []

    def gettext(message):
        asked.append(message)
        return {"The file is {size}.": "文件大小为 {size}。"}.get(message, message)

    assert error.in_language(gettext) == "文件大小为 1.2 MB。"
    assert asked == ["The file is {size}."]                     # the template, never the filled-in sentence
    assert error.in_language(lambda message: message) == str(error)
    assert ExplainedError("Nothing to fill in.").in_language(lambda m: "无需填写。") == "无需填写。"
    # A value that looks like a placeholder is a value: it is never formatted again.
    assert ExplainedError("Received: {value}", value="{size}").in_language(lambda m: "收到：{value}") == "收到：{size}"


def test_n_marks_without_changing_and_subclasses_keep_their_type_when_copied():
    assert errors.N_("a sentence") == "a sentence"
    error = ImageError("This is a {format} file.", format="GIF")
    for again in (pickle.loads(pickle.dumps(error)), copy.copy(error)):
        assert type(again) is ImageError and str(again) == "This is a GIF file."
        assert (again.template, again.values) == (error.template, error.values)


def test_the_modules_examples():
    assert doctest.testmod(errors).failed == 0
