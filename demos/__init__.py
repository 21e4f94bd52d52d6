"""minigrad's demos: one module per lesson; ``python -m demos`` runs them all."""

# In the order the report presents them.
DEMOS = [
    "backprop_by_hand",  # 0
    "why_nonlinearity",  # 1
    "neuron_classifier",  # 2
    "saturation",  # 3
    "zigzag",  # 4
    "relu_vs_tanh",  # 5
    "dying_relu",  # 6
    "leaky_prelu",  # 7
    "maxout",  # 8
    "which_activation",  # 9
    "spiral_from_scratch",
    "digits_mlp",
    "digits_convnet",
    "second_derivatives",
]
