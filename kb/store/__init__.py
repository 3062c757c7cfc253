"""The knowledge base on disk: kb.toml, record files read without YAML's hazards, and safe writes."""
