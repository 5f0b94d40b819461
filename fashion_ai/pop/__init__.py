"""POP (POtential Performance) signals: how popular a new product could have been, mined from a dated image corpus."""
