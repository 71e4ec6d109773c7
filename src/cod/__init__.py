"""cod: few-shot knowledge distillation with counterfactual explanations (CoD), as a DVC pipeline."""

__version__ = "0.1.0"
