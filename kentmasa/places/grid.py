"""The map grid the cases are clustered on, shared by the server (kentmasa.reports.maps and its
pre-aggregated cells) and every map that asks it for blocks (kentmasa/map_blocks.js)."""

# A cell is a quarter of a web-map tile: 4 × 4 cells per 256-pixel tile, about 64 pixels each.
CELLS_PER_TILE = 4
