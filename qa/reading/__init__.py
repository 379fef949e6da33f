"""Reading: a corpus folder's files into Documents (text, pages, footnotes, markers, sentences)
and Documents into passages. ``corpus`` picks a reader by suffix; ``pdf`` reads a PDF's layout.
Nothing here knows of models, indexes or ranking."""
