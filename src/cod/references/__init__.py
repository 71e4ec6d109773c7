"""Reference levels beside the students' accuracies: chance, a label-free lexicon classifier, a linear probe on the
frozen student encoder (the teacher's own accuracy is read from its stage's metrics)."""
