"""Record kinds as pydantic models, their IDs and references, and the schemas derived from them."""
