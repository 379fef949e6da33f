"""Ranking: the keyword and vector indexes over passages (``retrieval``), the arithmetic that
fuses their scores (``fusion``), the sentence to highlight, the notes a passage cites and the
kind of answer a question expects. The engine wires them; they know nothing of the web or files."""
