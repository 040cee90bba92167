"""The drawing toolbar (Leaflet.draw) in French: its buttons, actions and hints, set before the toolbar is made."""

from __future__ import annotations

import json

from branca.element import MacroElement
from jinja2 import Template

# Leaflet.draw's ``L.drawLocal``, every string of it (the tools Voisinage does not offer included).
DRAW_LOCAL_FR = {
    "draw": {
        "toolbar": {
            "actions": {"title": "Annuler le tracé", "text": "Annuler"},
            "finish": {"title": "Terminer le tracé", "text": "Terminer"},
            "undo": {"title": "Effacer le dernier point", "text": "Effacer le dernier point"},
            "buttons": {
                "polyline": "Tracer une ligne (ligne de coupe)",
                "polygon": "Tracer un contour (secteur ou îlot)",
                "rectangle": "Tracer un rectangle",
                "circle": "Tracer un cercle",
                "marker": "Placer un point",
                "circlemarker": "Placer un point",
            },
        },
        "handlers": {
            "circle": {"tooltip": {"start": "Cliquez et glissez pour tracer le cercle."}, "radius": "Rayon"},
            "circlemarker": {"tooltip": {"start": "Cliquez sur la carte pour placer le point."}},
            "marker": {"tooltip": {"start": "Cliquez sur la carte pour placer le point."}},
            "polygon": {
                "tooltip": {
                    "start": "Cliquez pour commencer le contour.",
                    "cont": "Cliquez pour continuer le contour.",
                    "end": "Cliquez sur le premier point pour fermer le contour.",
                }
            },
            "polyline": {
                "error": "<strong>Erreur :</strong> les côtés ne peuvent pas se croiser.",
                "tooltip": {
                    "start": "Cliquez pour commencer la ligne.",
                    "cont": "Cliquez pour continuer la ligne.",
                    "end": "Cliquez sur le dernier point pour terminer la ligne.",
                },
            },
            "rectangle": {"tooltip": {"start": "Cliquez et glissez pour tracer le rectangle."}},
            "simpleshape": {"tooltip": {"end": "Relâchez pour terminer."}},
        },
    },
    "edit": {
        "toolbar": {
            "actions": {
                "save": {"title": "Enregistrer les modifications", "text": "Enregistrer"},
                "cancel": {"title": "Annuler les modifications", "text": "Annuler"},
                "clearAll": {"title": "Tout effacer", "text": "Tout effacer"},
            },
            "buttons": {
                "edit": "Déplacer des sommets",
                "editDisabled": "Choisissez d'abord un secteur à modifier",
                "remove": "Effacer des tracés",
                "removeDisabled": "Aucun tracé à effacer",
            },
        },
        "handlers": {
            "edit": {
                "tooltip": {
                    "text": "Faites glisser les sommets pour modifier le contour.",
                    "subtext": "« Annuler » pour revenir en arrière.",
                }
            },
            "remove": {"tooltip": {"text": "Cliquez sur un tracé pour l'effacer."}},
        },
    },
}


class FrenchDrawLabels(MacroElement):
    """Sets ``L.drawLocal`` to French; add it to the map before the ``Draw`` control (scripts run in order)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
            if (window.L && L.drawLocal) { L.drawLocal = {{ this.labels }}; }
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "FrenchDrawLabels"
        self.labels = json.dumps(DRAW_LOCAL_FR, ensure_ascii=False)
