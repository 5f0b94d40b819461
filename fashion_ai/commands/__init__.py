"""Subcommands of `fashion-ai` (see fashion_ai.cli). Heavy imports stay inside each `run`."""
