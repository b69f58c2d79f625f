"""Browser pages for buses: one module per page (bus list, pattern sandbox, target editor)."""
