"""Fashion AI teaching kit: consumer-to-shop sets, CNN features, SSD detection and POP signals."""

__version__ = "0.1.0"
