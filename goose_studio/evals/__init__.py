"""Evaluation: the scorer (a base model with or without its adapter) and the held-out metrics."""
