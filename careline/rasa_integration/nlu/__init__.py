"""Careline's NLU components, named in config.yml's pipeline: the MiniLM featurizer, the
sentence intent classifier and the message-kind classifier (other languages, emoji)."""
