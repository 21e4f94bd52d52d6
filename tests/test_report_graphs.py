"""How the report embeds graph renders: legible, or an overview that opens full size."""

import re

from demos import report


def _svg(path, width_pt, height_pt):
    path.write_text(
        f'<?xml version="1.0"?>\n<svg width="{width_pt}pt" height="{height_pt}pt" '
        f'viewBox="0 0 {width_pt} {height_pt}"></svg>'
    )
    return path.name


def _shown_width(figure: str) -> float:
    return float(re.search(r"<img [^>]*width='(\d+)'", figure).group(1))


def test_a_graph_that_fits_is_shown_at_full_size_and_links_to_itself(tmp_path):
    name = _svg(tmp_path / "small.svg", 600, 600)  # 800 x 800 px
    figure = report._graph_figure(tmp_path, name, "caption")
    assert _shown_width(figure) == 800
    assert f"<a href='{name}' target='_blank'><img" in figure
    assert "overview" not in figure
    assert "hover a node there" in figure  # no unit cells in this picture


def test_a_tall_graph_is_scaled_down_only_while_its_text_stays_legible(tmp_path):
    name = _svg(tmp_path / "tall.svg", 600, 3000)  # 800 x 4000 px
    figure = report._graph_figure(tmp_path, name, "caption")
    scale = _shown_width(figure) / 800
    assert report.SMALLEST_TEXT_PX * scale >= report.LEGIBLE_PX
    assert scale < 1 and "overview" not in figure


def test_a_graph_too_wide_to_read_in_the_column_is_an_overview_that_opens_full_size(tmp_path):
    name = _svg(tmp_path / "wide.svg", 3000, 600)  # 4000 px wide
    figure = report._graph_figure(tmp_path, name, "caption")
    assert _shown_width(figure) == report.COLUMN_PX
    assert "overview" in figure and "4000 px wide" in figure
    assert f"<a href='{name}' target='_blank'><img" in figure
