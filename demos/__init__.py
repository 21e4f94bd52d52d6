"""minigrad's demos: one module per lesson; ``python -m demos`` runs them all."""

# In the order the report presents them.
DEMOS = ["spiral_from_scratch", "digits_mlp", "digits_convnet"]
