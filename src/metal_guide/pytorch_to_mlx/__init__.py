"""PyTorch to MLX: side-by-side translations, each tested by running both sides on CPU."""
