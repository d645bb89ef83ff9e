"""torch.optim's optimizers and lr schedules, step by step, with every state.

`specs` parses and validates the constructor calls, `rules` holds the update rules (xp
arrays, torch's order of operations), `reference` a second implementation from the algorithm
boxes, `schedules` the lr schedules, `run` the driver that checks one against the other.
"""
