"""The kit's bundled sample data; installed as the package `fashion_ai_data` (see README.md here)."""
