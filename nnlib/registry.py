"""Name lookup shared by the activation, loss, optimizer and initializer registries (as in Keras)."""

from __future__ import annotations

from .validation import shown


def lookup(identifier, registry: dict, aliases: dict, what: str, plural: str):
    """The registry entry for a name, ignoring case and surrounding spaces and allowing aliases.

    An unknown name raises ValueError that quotes the value received and lists the known names.
    """
    if isinstance(identifier, str):
        key = identifier.strip().lower()
        key = aliases.get(key, key)
        if key in registry:
            return registry[key]
    raise ValueError(
        f"Could not interpret {what} identifier: {shown(identifier)}. Known {plural}: {', '.join(registry)}."
    )
