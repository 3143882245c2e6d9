"""Routes, one module per page (or group of pages), plus the JSON API."""
