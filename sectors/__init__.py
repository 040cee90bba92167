"""sectors."""
