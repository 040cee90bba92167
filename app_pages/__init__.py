"""app_pages."""
