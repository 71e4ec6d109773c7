"""Text-to-text (T5-style) students: R1's label + rationale and R2's predict + explain multitask objectives."""
