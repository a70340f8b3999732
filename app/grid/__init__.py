"""The grid: district -> street (街镇) -> community (村居) -> cell (子网格), and point lookup."""
