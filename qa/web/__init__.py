"""The web app: ``server`` makes the one FastAPI app (Gradio pages, widget, HTTP API, context
pages, security middleware); ``watch`` keeps its engine in step with the readings on disk."""
