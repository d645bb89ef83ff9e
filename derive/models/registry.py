"""Every layer rule, registered by importing the modules that define them.

>>> RULES["Conv2d"].type, "weight_ih_l0" in [t.name for t in RULES["LSTM"].tensors(
...     RULES["LSTM"].params and {"input_size": 4, "hidden_size": 8, "num_layers": 1,
...     "bias": True, "bidirectional": False, "proj_size": 0}, ((5, 4),))]
('Conv2d', True)
"""

from __future__ import annotations

from derive.models import (
    attention,
    conv,
    elementwise,
    linear,
    norms,
    pooling,
    recurrent,
    transformer,
)
from derive.models.rules import RULES

MODULES = (attention, conv, elementwise, linear, norms, pooling, recurrent, transformer)

__all__ = ["RULES", "MODULES"]
