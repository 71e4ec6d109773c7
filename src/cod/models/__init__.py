"""Models: loading classifiers (hub, local or embedded) and the trained teacher, layer cuts, vocabulary checks.

Import the module you need (``cod.models.load``, ``cod.models.teacher``, …): this package imports none of them, so
``cod.models.names`` stays torch-free.
"""
