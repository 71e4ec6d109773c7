"""Data: every source turned into one normalised Corpus with train/validation/test splits.

Modules: `registry` (what each built-in dataset is), `sources` (load + prepare), `corpus` (the prepared
files), `hub` / `embedded` / `local` (the sources), `splits`, `subsets` (few-shot draws), `budget` (k checks).
Nothing is imported here, so reading the registry does not load the sources.
"""
