"""The shared vocabulary every package may import: records, arXiv ids, the clock, the category taxonomy and
the table of signal kinds. It imports nothing else from paperwire (``lint-imports`` checks it).

- ``records``: ``PaperRecord``, ``Version``, ``Signal``, ``RecordError``, ``SourceError``, ``Page``
- ``ids``: ``split_arxiv_id``, ``is_arxiv_id``, ``parse_version``
- ``text``: ``safe_text`` (what every column can hold)
- ``clock``: ``utcnow`` (the one clock; ``frozen`` for tests)
- ``taxonomy``: arXiv category codes and names
- ``signals``: the signal kinds (shape, labels, first-counted cap, default weight)
"""
