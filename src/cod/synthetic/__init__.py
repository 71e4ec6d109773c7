"""The paper's synthetic experiment (spec §2): two moons, MLP teacher, tiny student, KD vs CoD with closest CFEs."""
