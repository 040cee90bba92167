"""community."""
