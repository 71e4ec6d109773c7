"""Teacher rationales: the input words a classifier's prediction rests on, by gradient saliency."""
