# BERT-base (uncased): inputs tokens:128 (tokens), tokens:128 (positions), tokens:128
# (segments). 109,482,240 parameters with the pooler, 108,891,648 without.
Sequential(
    embeddings=Sum(word_embeddings=Embedding(30522, 768),
                   position_embeddings=Embedding(512, 768),
                   token_type_embeddings=Embedding(2, 768)),
    LayerNorm=LayerNorm(768, eps=1e-12), dropout=Dropout(0.1),
    encoder=Repeat(12, TransformerEncoderLayer(768, 12, 3072, activation="gelu",
                                               batch_first=True)),
    pooler=Sequential(first=Select(1, 0), dense=Linear(768, 768), activation=Tanh()))
