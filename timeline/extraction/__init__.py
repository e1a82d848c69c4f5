"""Text -> proposed events with evidence spans.

Pure Python (no Django): the management commands and the admin call into this package and
store what it proposes. Every span it returns carries exact character offsets into the text
it was given, so that ``text[start:end]`` is always the quoted text.
"""
