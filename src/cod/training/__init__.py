"""Training: batching, losses, layer maps, the shared fit loop, teacher fine-tuning and distillation."""
