"""Counterfactual explanations: lexical resources, the offline teacher-guided editor, validity and quality."""
