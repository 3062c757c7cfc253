"""Writing records: new ones, closing and reopening actions, the editor, a new knowledge base."""
