"""The radar chart renderer: geometry worked by hand, accessibility, escaping, determinism."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from app.paths import ASSESSMENTS_DIR, MODEL_FILE
from app.scoring.loader import load_catalog
from app.scoring.radar import FONT_SIZE, Series, layout, point, radar_svg, wrap

NS = {"svg": "http://www.w3.org/2000/svg"}
AXES = [
    "Client expertise",
    "Product and market knowledge",
    "Communication and confidence",
    "Persuasion and presentation",
    "Negotiation",
    "Objection handling",
    "Motivation and persistence",
]
ACTIVE = [60, 60, 70, 70, 65, 70, 75]
PERSON: list[float | None] = [100, 50, None, 0, 130, -20, 75]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to check it is well-formed


def chart() -> ET.Element:
    return parse(
        radar_svg(
            AXES,
            [Series("Active sales: target", ACTIVE), Series("Anna", PERSON, emphasis=True)],
            title="Anna: scores",
        )
    )


def points_of(polygon: ET.Element) -> list[tuple[float, float]]:
    return [
        (float(x), float(y))
        for x, y in (pair.split(",") for pair in polygon.get("points", "").split())
    ]


def test_seven_axes_give_seven_lines_and_labels() -> None:
    root = chart()
    assert len(root.findall(".//svg:line[@class='axis']", NS)) == 7
    labels = root.findall(".//svg:text[@class='axis-label']", NS)
    assert [label.find("svg:title", NS).text for label in labels] == AXES  # type: ignore[union-attr]
    rings = root.findall(".//svg:polygon[@class='ring']", NS)
    assert [r.get("data-ring") for r in rings] == ["25", "50", "75", "100"]
    ticks = [t.text for t in root.findall(".//svg:g[@class='ticks']/svg:text", NS)]
    assert ticks == ["0", "25", "50", "75", "100"]


def test_each_series_is_one_polygon_at_hand_worked_points() -> None:
    root = chart()
    geometry = layout(360, AXES, ["Active sales: target", "Anna", "no score"])
    cx, cy, r = geometry.cx, geometry.cy, geometry.radius
    assert root.get("viewBox") == f"0 0 {geometry.width:g} {geometry.height:g}"
    series = root.findall(".//svg:g[@class='series']", NS)
    assert len(series) == 2
    outlines = [g.findall("svg:polygon", NS) for g in series]
    assert [len(o) for o in outlines] == [1, 1]
    person = points_of(outlines[1][0])
    assert len(person) == 7

    step = 2 * math.pi / 7
    expected = [
        (cx, cy - r),  # 100 on the first axis: straight up, at radius R
        (cx + r / 2 * math.cos(-math.pi / 2 + step), cy + r / 2 * math.sin(-math.pi / 2 + step)),
        (cx, cy),  # missing: the centre
        (cx, cy),  # 0: the centre
        # 130 is clipped to 100
        (cx + r * math.cos(-math.pi / 2 + 4 * step), cy + r * math.sin(-math.pi / 2 + 4 * step)),
        (cx, cy),  # -20 is clipped to 0
        (
            cx + 0.75 * r * math.cos(-math.pi / 2 + 6 * step),
            cy + 0.75 * r * math.sin(-math.pi / 2 + 6 * step),
        ),
    ]
    for (x, y), (ex, ey) in zip(person, expected, strict=True):
        assert x == pytest.approx(ex, abs=0.01) and y == pytest.approx(ey, abs=0.01)
    assert point(geometry, 0, 7, 100) == pytest.approx((cx, cy - r))

    active = points_of(outlines[0][0])
    assert active[0] == pytest.approx((cx, cy - 0.6 * r), abs=0.01)


def test_a_missing_value_gets_a_marker_and_a_legend_row() -> None:
    root = chart()
    markers = root.findall(".//svg:circle[@class='missing']", NS)
    assert [m.get("data-axis") for m in markers] == ["2"]
    assert (
        root.find(".//svg:g[@class='legend-item legend-missing']/svg:text", NS).text == "no score"
    )  # type: ignore[union-attr]
    complete = parse(radar_svg(AXES, [Series("A", ACTIVE)], title="t"))
    assert complete.findall(".//svg:circle[@class='missing']", NS) == []
    assert complete.find(".//svg:g[@class='legend-item legend-missing']", NS) is None


def test_series_differ_in_dash_and_colour_and_the_person_stands_out() -> None:
    root = parse(
        radar_svg(
            AXES,
            [Series("A", ACTIVE), Series("B", ACTIVE), Series("Person", ACTIVE, emphasis=True)],
            title="t",
        )
    )
    polygons = [g.find("svg:polygon", NS) for g in root.findall(".//svg:g[@class='series']", NS)]
    dashes = [p.get("stroke-dasharray") for p in polygons]  # type: ignore[union-attr]
    colours = [p.get("stroke") for p in polygons]  # type: ignore[union-attr]
    assert dashes[0] and dashes[1] and dashes[0] != dashes[1] and dashes[2] is None
    assert len(set(colours)) == 3
    assert polygons[2].get("fill") != "none" and polygons[0].get("fill") == "none"  # type: ignore[union-attr]
    legend = [t.text for t in root.findall(".//svg:g[@class='legend-item']/svg:text", NS)]
    assert legend == ["A", "B", "Person"]


def test_it_is_accessible() -> None:
    root = parse(radar_svg(AXES, [Series("A", ACTIVE)], title="Scores", description="In words"))
    assert root.get("role") == "img" and root.get("aria-label") == "Scores"
    assert root.find("svg:title", NS).text == "Scores"  # type: ignore[union-attr]
    assert root.find("svg:desc", NS).text == "In words"  # type: ignore[union-attr]
    assert root.get("viewBox")


def test_text_is_escaped() -> None:
    evil = '<script>alert("x")</script> & co'
    svg = radar_svg(
        [evil, "b", "c"],
        [Series(evil, [1, 2, 3])],
        title=evil,
        description=evil,
        missing_label=evil,
    )
    assert "<script>" not in svg
    root = parse(svg)  # still well-formed XML
    assert root.get("aria-label") == evil
    assert root.find("svg:title", NS).text == evil  # type: ignore[union-attr]
    label = root.find(".//svg:text[@class='axis-label']/svg:title", NS)
    assert label.text == evil  # type: ignore[union-attr]


def test_output_is_deterministic() -> None:
    def draw() -> str:
        return radar_svg(AXES, [Series("A", ACTIVE), Series("B", PERSON, emphasis=True)], title="t")

    assert draw() == draw()
    assert "-0," not in draw() and "-0 " not in draw()


def test_long_labels_are_wrapped_into_short_lines() -> None:
    assert wrap("Product and market knowledge") == ["Product and", "market knowledge"]
    assert wrap("Communication and confidence") == ["Communication", "and confidence"]
    assert wrap("Negotiation") == ["Negotiation"]
    # a word longer than a line keeps a line of its own, whole
    assert wrap("Коммуникабельность и уверенность") == ["Коммуникабельность", "и уверенность"]
    assert wrap("Коммуникабельность") == ["Коммуникабельность"]
    assert wrap("Ведение переговоров и закрытие сделок") == [
        "Ведение",
        "переговоров и",
        "закрытие сделок",
    ]
    lines = wrap("one two three four five six seven eight nine ten eleven twelve")
    assert len(lines) == 3 and lines[-1].endswith("…") and all(len(x) <= 16 for x in lines)
    root = chart()
    spans = root.findall(".//svg:text[@class='axis-label'][@data-axis='2']/svg:tspan", NS)
    assert [s.text for s in spans] == ["Communication", "and confidence"]


def view_box(root: ET.Element) -> tuple[float, float]:
    x, y, width, height = (float(v) for v in root.get("viewBox", "").split())
    assert (x, y) == (0, 0)
    return width, height


def text_extents(root: ET.Element) -> list[tuple[str, float, float, float, float]]:
    """Every line of text as (text, left, top, right, bottom), at 0.6 em a character (DejaVu
    Sans, the widest common face, averages 0.53-0.59 em over the model's names) with the
    anchor of its <text>."""
    out = []
    for text in root.iter("{http://www.w3.org/2000/svg}text"):
        size = float(text.get("font-size") or FONT_SIZE)
        anchor = text.get("text-anchor") or "start"
        lines = text.findall("svg:tspan", NS) or [text]
        for line in lines:
            words = line.text or ""
            width = 0.6 * size * len(words)
            x, y = (
                float(line.get("x") or text.get("x") or 0),
                float(line.get("y") or text.get("y") or 0),
            )
            left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
            out.append((words, left, y - 0.8 * size, left + width, y + 0.25 * size))
    return out


@pytest.mark.parametrize("language", ["ru", "en"])
def test_every_label_of_the_model_lies_inside_the_view_box(language: str) -> None:
    """The report's chart with the model's names (and the longest names the brief names),
    the roles' targets and a long person's name: no text reaches past the viewBox."""
    catalog = load_catalog(MODEL_FILE, ASSESSMENTS_DIR)
    model = catalog.model.definition
    names = [c.name.get(language) for c in model.competencies.values()]
    longest = ["Коммуникабельность", "Ведение переговоров и закрытие сделок"]
    legend = [f"{p.name.get(language)}: target" for p in model.profiles.values()]
    legend.append("Константин Константинопольский-Преображенский")
    for axes in (names, [*names, *longest], names[:3]):
        series = [Series(name, [50.0] * len(axes)) for name in legend[:-1]]
        series.append(Series(legend[-1], [None, *[70.0] * (len(axes) - 1)], emphasis=True))
        root = parse(radar_svg(axes, series, title="t"))
        width, height = view_box(root)
        assert float(root.get("width", 0)) == width
        labels = [t.text for t in root.findall(".//svg:text[@class='axis-label']/svg:title", NS)]
        assert labels == axes
        for words, left, top, right, bottom in text_extents(root):
            assert left >= 0 and right <= width, (words, left, right, width)
            assert top >= 0 and bottom <= height, (words, top, bottom, height)


def test_labels_are_set_at_body_text_size_and_the_chart_is_not_tiny() -> None:
    root = chart()
    labels = root.find(".//svg:g[@class='labels']", NS)
    assert labels is not None
    assert float(root.get("font-size", 0)) >= 14  # inherited by the labels and the legend
    width, _ = view_box(root)
    # shown at 1:1 the chart is at least ~420 px wide; the rings take a good part of it
    assert width >= 420
    outer = root.find(".//svg:polygon[@data-ring='100']", NS)
    assert outer is not None
    xs = [x for x, _ in points_of(outer)]
    assert max(xs) - min(xs) >= 0.4 * width


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 3 axes"):
        radar_svg(["a", "b"], [], title="t")
    with pytest.raises(ValueError, match="has 2 values for 3 axes"):
        radar_svg(["a", "b", "c"], [Series("A", [1, 2])], title="t")
