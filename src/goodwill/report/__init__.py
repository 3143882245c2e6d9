"""The picture of your networking over time: period figures, habits and streaks, the
report, the network map."""
