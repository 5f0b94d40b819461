"""Readers for fashion datasets and the kit's generated sample sets."""
