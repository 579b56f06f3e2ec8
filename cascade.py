"""Cascade attention for engine.RowBatch: a decoding row attends to three parts of its context
where they already sit, merged by their log-sum-exp, instead of a copy of them in every row:
its own columns of the batch's buffers (SlotLayer, written one column a step), its tree's
prompt KV (read once for all the tree's rows) and the prompt text all rows share (BFCL's system
prompt, read once for all). engine.drive turns it on for a run (`attention`); every other
forward (perplexity, training, a plain generate) keeps the model's own attention. A port to
another device swaps `attend` for a kernel that returns the same (output, log-sum-exp).
"""
import math
from contextlib import contextmanager

import torch
from transformers import AttentionInterface, AttentionMaskInterface
from transformers.cache_utils import DynamicLayer
from transformers.integrations.sdpa_attention import sdpa_attention_forward
from transformers.masking_utils import sdpa_mask

NAME = "itool_cascade"


def attend(q, k, v):
    """Softmax attention of grouped queries [kv heads, m, d] (scaled) over k, v [kv heads, L, d]:
    (output, log-sum-exp of the scores), so that parts over other keys can be merged. On CPU,
    PyTorch's flash kernel returns both (twice as fast as the matmuls here)."""
    if q.device.type == "cpu" and k.dtype == torch.float32:
        out, lse = torch.ops.aten._scaled_dot_product_flash_attention_for_cpu(q[None], k[None], v[None], scale=1.0)
        return out[0], lse[0, ..., None]
    p = q @ k.float().transpose(-1, -2)
    lse = p.logsumexp(-1, keepdim=True)
    return torch.exp(p - lse) @ v.float(), lse


def cascade_attention(module, query, key, value, attention_mask, scaling=None, dropout=0.0, **kwargs):
    """Attention of a RowBatch step (kwarg `itool_rows`): each row attends to three parts, merged
    by their log-sum-exp: its own columns (path and samples), its tree's prompt (read once for
    the tree's rows) and the prompt text all trees share (read once for all). Every other call
    goes to PyTorch's SDPA."""
    ctx = kwargs.pop("itool_rows", None)
    if ctx is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, scaling=scaling, dropout=dropout,
                                      **kwargs)
    n, hq, _, d = query.shape
    hkv, li = key.shape[1], module.layer_idx
    g = hq // hkv
    q = query.float().view(n, hkv, g, d) * scaling  # query heads grouped by the kv head they share
    s = (q @ key.float().transpose(-1, -2)).masked_fill(~ctx["mask"][:, None, None, :], -math.inf)
    lse = s.logsumexp(-1, keepdim=True)
    parts = [(torch.exp(s - lse) @ value.float(), lse)]
    flat = lambda idx: q[idx].transpose(0, 1).reshape(hkv, -1, d)
    back = lambda x, r: x.view(hkv, r, g, x.shape[-1]).transpose(0, 1)
    outs, lses = [], []
    for idx, prefix in ctx["groups"]:
        o, l = attend(flat(idx), *prefix[li])
        outs.append(back(o, len(idx)))
        lses.append(back(l, len(idx)))
    o_t, l_t = torch.empty_like(parts[0][0]), torch.empty_like(lse)
    o_t[ctx["order"]], l_t[ctx["order"]] = torch.cat(outs), torch.cat(lses)
    parts.append((o_t, l_t))
    if ctx["shared"] is not None:
        idx, prefix = ctx["shared"]
        o, l = attend(flat(idx), *prefix[li])
        o_s, l_s = torch.zeros_like(o_t), torch.full_like(l_t, -math.inf)
        o_s[idx], l_s[idx] = back(o, len(idx)), back(l, len(idx))
        parts.append((o_s, l_s))
    total = torch.logsumexp(torch.stack([l for _, l in parts]), 0)
    out = sum(o * torch.exp(l - total) for o, l in parts)
    return out.to(query.dtype).view(n, hq, 1, d).transpose(1, 2), None


class SlotLayer(DynamicLayer):
    """One layer's view of a RowBatch: a step writes its column at the batch's `end` for the live
    rows and attends over [lo, end] of their own columns; nothing is concatenated."""

    def __init__(self, rows, li):
        super().__init__()
        self.rows, self.li, self.is_initialized = rows, li, True
        self.dtype, self.device = rows.keys[li].dtype, rows.keys[li].device

    def update(self, key_states, value_states, *args, **kwargs):
        r, e, n = self.rows, self.rows.end, self.rows.n
        r.keys[self.li][:n, :, e:e + 1] = key_states
        r.values[self.li][:n, :, e:e + 1] = value_states
        self.keys, self.values = r.keys[self.li][:n, :, r.lo:e + 1], r.values[self.li][:n, :, r.lo:e + 1]
        return self.keys, self.values

    def get_seq_length(self):
        return self.rows.end - self.rows.lo


@contextmanager
def attention(model):
    """The model attends through cascade_attention inside the block and through its own attention
    after it, whether the block ends or raises. Registered here, on use: importing changes nothing."""
    AttentionInterface.register(NAME, cascade_attention)
    AttentionMaskInterface.register(NAME, sdpa_mask)
    before = model.config._attn_implementation
    model.set_attn_implementation(NAME)
    try:
        yield
    finally:
        model.set_attn_implementation(before)
