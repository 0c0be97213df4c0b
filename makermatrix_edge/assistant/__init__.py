"""The chat agent: tools over the inventory, confidence, the grounding guard, the answer without the model."""
