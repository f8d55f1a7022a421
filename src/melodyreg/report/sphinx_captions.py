"""Numbered tables for outputs: a small Sphinx extension.

myst-nb wraps a captioned output in a figure (the ``figure`` cell option that
:func:`melodyreg.report.build.fold_code` sets), so every captioned output would
be numbered as a figure. Outputs that the chapters mark as tables (class
``melodyreg-table``) become a :class:`captioned_table` node here, which Sphinx
numbers as a table: ``{numref}`` then says "Table 5.2", and the caption reads
"Table 5.2: ...".
"""

from __future__ import annotations

from docutils import nodes
from sphinx.transforms import SphinxTransform

TABLE_CLASS = "melodyreg-table"


class captioned_table(nodes.General, nodes.Element):  # noqa: N801 (docutils names nodes in lower case)
    """An output shown as a table with a numbered caption."""


class TablesFromFigures(SphinxTransform):
    """Turn the figures that wrap table outputs into :class:`captioned_table` nodes."""

    default_priority = 400

    def apply(self, **kwargs) -> None:
        for figure in list(self.document.findall(nodes.figure)):
            if TABLE_CLASS not in figure["classes"]:
                continue
            table = captioned_table("", *figure.children, **figure.attributes)
            figure.replace_self(table)
            for node_id in table["ids"]:  # labels point at the new node, so numref finds a table
                self.document.ids[node_id] = table


def _caption_text(node) -> str:
    captions = [child for child in node.children if isinstance(child, nodes.caption)]
    return captions[0].astext() if captions else ""


def _visit(translator, node) -> None:
    translator.body.append(translator.starttag(node, "div", CLASS=TABLE_CLASS))


def _depart(translator, node) -> None:
    translator.body.append("</div>\n")


def setup(app):
    app.add_enumerable_node(captioned_table, "table", _caption_text, html=(_visit, _depart))
    app.add_transform(TablesFromFigures)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
