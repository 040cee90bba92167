"""A corpus of XSS payloads (>= 100, all different): tags, event handlers, javascript: URLs, template strings,
SVG, encodings, Jinja templates, spreadsheet formulas.

Every payload that runs sets ``window.__pwned`` (the tripwire the browser tests read in every frame); a
formula (:data:`FORMULAS`) is neutralised in a CSV export when its cell starts with ``'``.
"""

from __future__ import annotations

from urllib.parse import quote

HIT = "window.__pwned=1"

_BASE = [
    f"<script>{HIT}</script>",
    f"<ScRiPt>{HIT}</sCrIpT>",
    f"<script src=data:,{HIT}></script>",
    f"<img src=x onerror={HIT}>",
    f'<img src=x onerror="{HIT}">',
    f"<img/src/onerror={HIT}>",
    f"<svg onload={HIT}>",
    f"<svg><script>{HIT}</script></svg>",
    f"<svg><animate onbegin={HIT} attributeName=x dur=1s>",
    f"<body onload={HIT}>",
    f'<iframe src="javascript:{HIT}"></iframe>',
    f'<iframe srcdoc="<script>parent.{HIT}</script>"></iframe>',
    f'<a href="javascript:{HIT}">clic</a>',
    f'<a href="jav&#x09;ascript:{HIT}">clic</a>',
    f"<details open ontoggle={HIT}>",
    f"<input autofocus onfocus={HIT}>",
    f"<video><source onerror={HIT}></video>",
    f"<marquee onstart={HIT}>",
    f'<object data="javascript:{HIT}"></object>',
    f"<math><mtext><table><mglyph><style><img src=x onerror={HIT}>",
    f"`;{HIT};`",
    f"${{{HIT}}}",
    f"\\`${{{HIT}}}",
    f"</div>`);{HIT};(`",
    f"'-{HIT}-'",
    f'"-{HIT}-"',
    f"</script><script>{HIT}</script>",
    f"{{{{constructor.constructor('{HIT}')()}}}}",
    f'<div style="background:url(javascript:{HIT})">',
    f"<form><button formaction=javascript:{HIT}>x</button></form>",
    f"{{{{'<script>{HIT}</script>'|safe}}}}",  # a server-side Jinja template rendering it unescaped
    f'{{% autoescape false %}}<img src=x onerror="{HIT}">{{% endautoescape %}}',
]
# Markdown a page might render: a link or an image to a third party (the browser tests allow no request leaving
# the server and no link to elsewhere).
MARKDOWN = [
    f"[Mairie : cliquez ici](https://voisinage-piege.example/connexion?{HIT})",
    f"![photo](https://voisinage-piege.example/pixel.png?{HIT})",
]
# Cells a spreadsheet would run as formulas (as they are: their first character is the point).
FORMULAS = [
    f'=HYPERLINK("javascript:{HIT}";"clic")',
    f"+cmd|' /C {HIT}'!A0",
    f"-2+3+cmd|' /C {HIT}'!A0",
    f"@SUM(1+1)*cmd|' /C {HIT}'!A0",
]


def _variants(payload: str) -> list[str]:
    return [
        payload,
        quote(payload),  # URL-encoded
        payload.replace("<", "&lt;").replace(">", "&gt;"),  # already entity-encoded (decoded by a careless page)
        f"Vélo volé {payload} rue des Lilas",  # inside ordinary text
    ]


# Different payloads only (entity-encoding a payload without ``<`` or ``>`` leaves it as it was).
PAYLOADS: list[str] = list(
    dict.fromkeys([*(variant for base in _BASE for variant in _variants(base)), *MARKDOWN, *FORMULAS])
)
assert len(PAYLOADS) >= 100
