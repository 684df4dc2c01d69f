"""The folium layer that one function of ``static/qy/qy-layers.js`` draws from JSON data."""

from __future__ import annotations

from typing import ClassVar

from folium.elements import JSCSSMixin
from folium.map import Layer
from jinja2 import Template

from layers._encode import script_json, text

__all__ = ["DataLayer"]


class DataLayer(JSCSSMixin, Layer):
    """An overlay drawn in the browser by ``L.<factory>(data)``, listed in the layer control.

    A subclass names ``factory`` (the function of qy-layers.js) and ``element`` (folium's element
    name, which names the layer's variable in the page), and sets its ``default_js`` /
    ``default_css`` with :func:`layers._assets.use` (vendored files only).
    """

    factory: ClassVar[str]
    element: ClassVar[str]

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = L.{{ this.factory }}({{ this.data_js }});
        {% endmacro %}
    """)

    def __init__(self, data: dict, *, name: str, show: bool = True) -> None:
        super().__init__(name=text(name), overlay=True, control=True, show=show)
        self._name = self.element
        self.data_js = script_json(data)
