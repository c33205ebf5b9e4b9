"""tocsin: an early-warning monitor for ethnically targeted incitement in regional news and social media."""

__version__ = "0.1.0"
