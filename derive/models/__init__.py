"""Whole networks: a model description read from PyTorch constructor calls, one rule per
layer type, and the summary of a model (shapes, parameters, buffers, MACs, receptive field).

>>> from derive.models import count, parse_model
>>> summary = count(parse_model("nn.Sequential(nn.Conv2d(3, 6, 5), nn.ReLU())"), "3x32x32")
>>> summary.trainable, summary.rows[0].output
(456, (6, 28, 28))
"""

from __future__ import annotations

from derive.models.inputs import Input, parse_inputs
from derive.models.summary import LayerRow, Summary, count, summarize
from derive.models.syntax import parse_layers, parse_model

__all__ = ["Input", "LayerRow", "Summary", "count", "parse_inputs", "parse_layers",
           "parse_model", "summarize"]
