# GPT-2 small: inputs tokens:1024 (tokens), tokens:1024 (positions). 124,439,808
# parameters: the output head is the token embedding (tied), counted once.
Sequential(
    embeddings=Sum(wte=Embedding(50257, 768), wpe=Embedding(1024, 768)), drop=Dropout(0.1),
    h=Repeat(12, TransformerEncoderLayer(768, 12, 3072, activation="gelu", norm_first=True,
                                         batch_first=True)),
    ln_f=LayerNorm(768), lm_head=Tie(Linear(768, 50257, bias=False), weight="embeddings.wte.weight"))
