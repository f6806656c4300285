"""Errors that explain themselves in any language: an English template and its values, kept apart.

nnlib writes English. An application that shows nnlib's errors in another language does not parse
the English sentence back: it translates the error's ``template`` with its own gettext and fills in
the ``values`` (as Django's ``ValidationError`` carries a message and its params)::

    >>> error = ExplainedError(N_("The file is {size}."), size="1.2 MB")
    >>> str(error)
    'The file is 1.2 MB.'
    >>> error.template, error.values
    ('The file is {size}.', {'size': '1.2 MB'})
    >>> error.in_language({"The file is {size}.": "文件大小为 {size}。"}.get)
    '文件大小为 1.2 MB。'

The templates are marked with :func:`N_`, so ``pybabel extract`` finds them for a catalog.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial


def N_(message: str) -> str:
    """``message`` itself; marks it for the gettext catalogs (it is translated where it is shown).

    >>> N_("The file is empty.")
    'The file is empty.'
    """
    return message


class ExplainedError(ValueError):
    """A ValueError whose message is ``template.format(**values)``; :meth:`in_language` translates it.

    >>> error = ExplainedError(N_("Received: {value}"), value="nan")
    >>> str(error), isinstance(error, ValueError)
    ('Received: nan', True)
    """

    def __init__(self, template: str, **values):
        self.template = template
        self.values = values
        super().__init__(template.format(**values))

    def in_language(self, gettext: Callable[[str], str | None]) -> str:
        """The message with its template translated by ``gettext`` (a template it does not know stays English).

        >>> ExplainedError(N_("Received: {value}"), value="nan").in_language(lambda t: "收到：{value}")
        '收到：nan'
        """
        return (gettext(self.template) or self.template).format(**self.values)

    def __reduce__(self):
        # Pickled and copied with its template and values (the default would rebuild it from the sentence).
        return partial(type(self), self.template, **self.values), (), self.__dict__ or None
