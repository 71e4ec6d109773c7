"""Models: loading classifiers (hub, local or embedded) and the trained teacher, layer cuts, vocabulary checks."""

from cod.models.load import load_classifier, load_tokenizer, resolve

__all__ = ["load_classifier", "load_tokenizer", "resolve"]
