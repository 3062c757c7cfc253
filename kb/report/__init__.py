"""Reading the knowledge base back: show and list, the pickup list, figures, snapshot diffs."""
