"""Escaping of user-supplied text shown on a map (popups, tooltips)."""

from __future__ import annotations

import html

# After HTML escaping, the characters that still mean something inside a JavaScript template string
# (folium writes popups and tooltips as `...` literals): replaced by HTML entities, inert in JS, shown as is.
_TEMPLATE_ENTITIES = {"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"}


def map_text(value: object) -> str:
    """``value`` as text safe in a folium popup or tooltip.

    The text is escaped for HTML (``<``, ``>``, ``&``, quotes) and the characters that would end or
    interpolate a JavaScript template string (backquote, ``$``, backslash, braces) become HTML entities,
    so the browser shows exactly the characters typed and never runs any of them.

    Parameters
    ----------
    value
        Any user-supplied value (alert text, member, sector or commune name, category label).

    Returns
    -------
    str
        The escaped text.
    """
    escaped = html.escape(str(value), quote=True)
    return "".join(_TEMPLATE_ENTITIES.get(char, char) for char in escaped)
