"""Teacher explanations (R2): an LLM explains each few-shot row's label, critiques and revises its explanation."""
