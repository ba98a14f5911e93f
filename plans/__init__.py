"""Plans and indicators: plan documents, indicators computed from live data, yearly snapshots, evaluation."""
