"""Training of the motion generator G_m (and its lip reader): data preparation, synthetic speech,
loss stages, the training loop (accelerate) and held-out evaluation. Not used at run time."""
