"""paperwire: trending research papers, searchable, and in your inbox once a day."""

__version__ = "0.1.0"
