# An LSTM sentiment classifier: input tokens:200 (200 token ids).
# Select(1, -1) keeps the last time step (torch.select on dim 1, batch first).
Sequential(embedding=Embedding(20000, 128), lstm=LSTM(128, 256, batch_first=True),
           last=Select(1, -1), fc=Linear(256, 2))
