"""A field of the wrong type is a BadResponseError naming the request and the field."""

from __future__ import annotations

import pytest

from instagram_graph import errors
from instagram_graph.shapes import check, edge

ITEM = {"type": "object", "properties": {"id": {"type": "string"},
                                         "children": edge({"type": "object"})}}  # fmt: skip


def test_a_wrong_type_names_the_field_path_and_the_request() -> None:
    page = {"data": [{"id": "1", "children": {"data": []}}, {"id": "2", "children": "oops"}]}
    with pytest.raises(errors.BadResponseError) as caught:
        check(page, edge(ITEM), request="GET /1784/media")
    text = str(caught.value)
    assert "GET /1784/media" in text and "`data[1].children` is a string" in text


def test_a_number_where_a_string_belongs() -> None:
    with pytest.raises(errors.BadResponseError, match=r"`data\[0\]\.id` is a number"):
        check({"data": [{"id": 17841400000000001}]}, edge(ITEM), request="GET /x")


def test_a_fitting_answer_passes_and_edge_schemas_are_reused() -> None:
    check({"data": [{"id": "1", "children": {"data": [{}]}}]}, edge(ITEM), request="GET /x")
    assert edge(ITEM) is edge(ITEM)
