"""Plotly figure builders: results in, go.Figure out. No Streamlit here.

Every chart colours segment ``s`` (1..k) with ``segment_colour(s)`` so a segment looks the
same in the scatter, the size bars and any table the app colours. Figures look like
Plotly's "plotly_white" template (`TEMPLATE`, a slim copy of it), with titles in words, axis
titles in the data's own column names and numbers formatted for people (12,345; 45.2%).
Every user-controlled string goes into figure text escaped, so it shows literally.

Modules
-------
palette     segment colours (`segment_colour`), shared with the app's tables
text        user text escaped for Plotly, numbers and labels written for people
figure      `Figure` (JSON in one pass), the slim plotly_white template, titles
elbow       `elbow_figure`: inertia and silhouette against k, elbow / recommended / current k
scatter     `scatter_figure`: customers on two features (or a PCA view), one WebGL trace per segment
points      which customers a scatter draws (sampled per segment) and the PCA projection
selection   `selected_rows`: row positions of the customers in a box / lasso selection
sizes       `sizes_figure`: customers per segment as horizontal bars
heatmap     `profile_heatmap`: segments x features, index against the average (100 = average)
rfm         `rfm_grid_figure`: the R x F grid; `rfm_mix_figure`: each segment's RFM mix
value       `value_share_figure`: share of customers beside share of value, per segment
sankey      `sankey_figure`: how the segments at k - 1 split or regroup at k and k + 1
borderline  `borderline_overlay`: the scatter with its borderline customers outlined

A new figure family gets its own module here, builds its figure with `figure.build`, and
is re-exported below.
"""

from segmentation.charts.borderline import borderline_overlay
from segmentation.charts.elbow import elbow_figure
from segmentation.charts.figure import FONT, TEMPLATE, Figure
from segmentation.charts.heatmap import profile_heatmap
from segmentation.charts.palette import SEGMENT_COLOURS, UNASSIGNED_COLOUR, segment_colour
from segmentation.charts.points import MIN_POINTS_PER_SEGMENT, PCA_SAMPLE
from segmentation.charts.rfm import rfm_grid_figure, rfm_mix_figure
from segmentation.charts.sankey import sankey_figure
from segmentation.charts.scatter import SCATTER_CONFIG, SCATTER_VIEWS, scatter_figure
from segmentation.charts.selection import selected_rows
from segmentation.charts.sizes import sizes_figure
from segmentation.charts.value import value_share_figure

__all__ = [
    "FONT",
    "MIN_POINTS_PER_SEGMENT",
    "PCA_SAMPLE",
    "SCATTER_CONFIG",
    "SCATTER_VIEWS",
    "SEGMENT_COLOURS",
    "TEMPLATE",
    "UNASSIGNED_COLOUR",
    "Figure",
    "borderline_overlay",
    "elbow_figure",
    "profile_heatmap",
    "rfm_grid_figure",
    "rfm_mix_figure",
    "sankey_figure",
    "scatter_figure",
    "segment_colour",
    "selected_rows",
    "sizes_figure",
    "value_share_figure",
]
