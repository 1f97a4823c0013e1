"""Codebooks area: codes and their stance scale, the code index, codebook files in and out."""
