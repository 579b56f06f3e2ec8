"""Batched generation for itool's stages: many prompts decoded together, each with its KV cache.

RowBatch decodes rows together (continuous batching): requests join as others finish, and
every row's context comes from caches instead of being computed again:
- a prompt's KV is computed once (encode_prompt), and the prefix that all prompts of a run
  share (BFCL's system prompt) once for all of them (shared_prefix);
- a Context is a prompt and the tree of token steps below it (mcts.py's search tree; a lone
  root for eval.py); it keeps the KV of every step once some row has computed it, so a
  request for a node feeds only the path tokens without one;
- cascade.py's attention lets a row attend to those shared caches where they are, merged
  with its own columns by their log-sum-exp, instead of copying them into every row.

The state is small dataclasses: Sampling (how sampled rows pick tokens), Context, Request (a
generation asked below one node, filled in with its rows' results), Ticket (requests that
finish together) and Row (one decoding row). torch is imported here, never by common.py.
"""
import math
from dataclasses import dataclass, field, replace

import torch
from transformers import DynamicCache

import cascade


@dataclass
class Sampling:
    """How sampled rows pick their next token; a request without a generator takes the argmax."""
    temperature: float = 1.0
    top_p: float = 1.0
    min_p: float = 0.0
    repetition_penalty: float = 1.0


@dataclass
class Context:
    """A prompt and the tree of token steps below it. Node 0 is the root; `parents[j]` is node j's
    parent and `ids[j]` the token ids of its path below the prompt, so the ids of a node begin with
    its parent's. `kv` holds the prompt's KV but its last token from column `same` on (the run's
    shared prefix holds the rest), or is None: no cache, every request feeds its whole prompt.
    `node_kv[j]` is the KV of node j's own step (per layer keys, values [kv heads, tokens, dim]),
    once a row has computed it. `stats` counts prompt_tokens and text_tokens fed."""
    prompt_ids: list
    kv: list = None
    same: int = 0
    parents: list = field(default_factory=lambda: [None])
    ids: list = field(default_factory=lambda: [[]])
    node_kv: dict = field(default_factory=dict)
    stats: dict = field(default_factory=lambda: {"prompt_tokens": 0, "text_tokens": 0})


@dataclass
class Request:
    """A generation asked of RowBatch: `n` rows below node `node` of `ctx`, each sampled with
    `generator` (None: greedy) for up to `max_new` tokens; n = 0 only feeds the path. Filled in:
    `rows`, per row (tokens, log-probs, ended, KV of its sampled tokens when `keep_kv`), and
    `logps`, the log-probs of the last `scored` path tokens (a step's prior)."""
    ctx: Context
    node: int
    n: int
    generator: torch.Generator = None
    max_new: int = 0
    scored: int = 0
    keep_kv: bool = False
    rows: list = None
    logps: list = None


@dataclass
class Ticket:
    """Requests that finish together: RowBatch.step returns the ticket once all are done. `owner` is
    the caller's (mcts.py: the tree whose coroutine asked; eval.py: the case)."""
    requests: list
    owner: object = None
    left: int = 0


@dataclass
class Row:
    """One decoding row. Its own tokens (the last prompt token, its node's path, what it samples) sit
    in the buffer's columns from `start` on; `feed` holds the path tokens it has still to feed, and
    `complete` the nodes whose steps that feed completes (their KV is kept for them). It samples
    once its feed is empty: `gen_start` is the column where sampling began."""
    ticket: Ticket
    req: Request
    index: int
    prefix: list
    start: int
    feed: list
    complete: list
    fed: int = 0
    gen_start: int = None
    tokens: list = field(default_factory=list)
    logps: list = field(default_factory=list)


def sampling_logps(logits, sampling):
    """Log-probs at the sampling temperature, and the same with top-p / min-p applied."""
    logp = torch.log_softmax(logits / sampling.temperature, -1)
    kept = logp
    if sampling.min_p > 0:
        kept = kept.masked_fill(kept < kept.max(-1, keepdim=True).values + math.log(sampling.min_p), -math.inf)
    if sampling.top_p < 1:
        sorted_lp, order = kept.sort(-1, descending=True)
        drop = sorted_lp.exp().cumsum(-1) - sorted_lp.exp() >= sampling.top_p  # keep up to and including the p-th mass
        kept = kept.masked_fill(drop.scatter(-1, order, drop), -math.inf)
    return logp, kept


def repetition_penalty(logits, seen, penalty):
    """vLLM's repetition penalty on one row's logits: a token already in `seen` (the prompt and the
    text so far) has a positive logit divided by `penalty`, a negative one multiplied by it; with
    penalty < 1 (the published 0.75) such tokens become likelier: names and values are copied."""
    if penalty == 1.0 or not len(seen):
        return logits
    picked = logits[seen]
    return logits.index_put((seen,), torch.where(picked > 0, picked / penalty, picked * penalty))


@torch.no_grad()
def encode_prompt(model, prompt_ids, stats, shared=None):
    """(KV, start) of a prompt but its last token: per layer (keys, values) [kv heads, tokens, head
    dim] of the tokens from `start` on. When the prompt begins with the run's shared prefix
    (`shared`: BFCL's system prompt, see grow), start is its length and its KV is not repeated."""
    ids, past, same = prompt_ids[:-1], DynamicCache(), 0
    if shared and len(ids) > len(shared["ids"]) and ids[:len(shared["ids"])] == shared["ids"]:
        same = len(shared["ids"])
        past = DynamicCache(ddp_cache_data=[(k[None], v[None]) for k, v in shared["kv"]])
    stats["prompt_tokens"] += len(ids) - same
    # Only the KV is wanted: logits_to_keep=1 spares the vocabulary projection of every prompt
    # position (a fifth of a small model's prefill).
    out = model(input_ids=torch.tensor([ids[same:]], device=model.device), past_key_values=past, use_cache=True,
                logits_to_keep=1)
    return [(layer.keys[0, :, same:], layer.values[0, :, same:]) for layer in out.past_key_values.layers], same


def span(ctx, j):
    """Where node j's step sits in its rows' own tokens ([last prompt token] + path ids): the root
    holds the last prompt token."""
    return (0, 1) if j == 0 else (len(ctx.ids[ctx.parents[j]]) + 1, len(ctx.ids[j]) + 1)


class RowBatch:
    """Rows decoded together (continuous batching). Invariants:
    - the KV of row slot s (0 <= s < n) lives in one buffer per layer [slots, kv heads, columns, head
      dim]: its own tokens in columns [start, end), where `end`, the write column, is common to all
      rows (a step writes one column for every row); `lo` is the smallest start; `mask[s]` marks the
      columns row s attends to, `pos[s]` the position of its next token, `last[s]` its last logits;
    - the prompt's KV stays with the Context and the run's shared prefix with the batch
      (cascade.cascade_attention reads them where they are);
    - a request starts as one row holding the cached KV of the steps on its path; it feeds the path
      tokens that have none, one a step, keeping their KV for their nodes, then forks into its n rows;
    - a finished row's slot takes the last live row; each request samples its rows, in row order,
      with its own generator."""

    ROOM = 256  # columns allocated past `end` at a time

    def __init__(self, model, sampling, stop_ids, shared):
        self.model, self.sampling, self.stop_ids, self.shared = model, sampling, stop_ids, shared
        cfg = model.config.get_text_config()
        self.n_layers = cfg.num_hidden_layers
        heads = getattr(cfg, "num_key_value_heads", None) or cfg.num_attention_heads
        head_dim = getattr(cfg, "head_dim", None) or cfg.hidden_size // cfg.num_attention_heads
        dtype, dev = next(model.parameters()).dtype, model.device
        self.keys = [torch.zeros(4, heads, self.ROOM, head_dim, dtype=dtype, device=dev) for _ in range(self.n_layers)]
        self.values = [torch.zeros_like(k) for k in self.keys]
        self.mask = torch.zeros(4, self.ROOM, dtype=torch.bool, device=dev)
        self.pos = torch.zeros(4, dtype=torch.long, device=dev)
        self.last = None
        self.rows, self.n, self.lo, self.end = [None] * 4, 0, 0, 0

    # -- the buffer

    def _room(self, rows, width):
        """Make room for `rows` more rows holding `width` columns each, and for one more step."""
        slots, cols = self.keys[0].shape[0], self.keys[0].shape[2]
        if self.n + rows <= slots and self.end >= width and self.end + 1 < cols:
            return
        end, span_, n = max(self.end - self.lo, width), self.end - self.lo, self.n
        slots, shift = max(slots, 2 * (n + rows)), end - self.end
        for store in (self.keys, self.values):
            for li, buf in enumerate(store):
                new = buf.new_zeros(slots, buf.shape[1], end + self.ROOM, buf.shape[3])
                new[:n, :, end - span_:end] = buf[:n, :, self.lo:self.end]
                store[li] = new
        mask = self.mask.new_zeros(slots, end + self.ROOM)
        mask[:n, end - span_:end] = self.mask[:n, self.lo:self.end]
        pos = self.pos.new_zeros(slots)
        pos[:n] = self.pos[:n]
        if self.last is not None:
            last = self.last.new_zeros(slots, self.last.shape[1])
            last[:n] = self.last[:n]
            self.last = last
        for r in self.rows[:n]:
            r.start += shift
            if r.gen_start is not None:
                r.gen_start += shift
        self.mask, self.pos = mask, pos
        self.rows += [None] * (slots - len(self.rows))
        self.lo, self.end = end - span_, end

    def _copy(self, src, dst):
        for store in (self.keys, self.values):
            for buf in store:
                buf[dst, :, self.lo:self.end] = buf[src, :, self.lo:self.end]
        self.mask[dst], self.pos[dst] = self.mask[src], self.pos[src]
        if self.last is not None:
            self.last[dst] = self.last[src]

    def _free(self, s):
        """Drop row s: the last live row moves into its slot."""
        last = self.n - 1
        if s != last:
            self._copy(last, s)
            self.rows[s] = self.rows[last]
        self.rows[last] = None
        self.n = last
        self.lo = min((r.start for r in self.rows[:self.n]), default=self.end)

    # -- joining

    @staticmethod
    def context(req):
        """(cached KV pieces of the row's own tokens, how many of their columns to use, tokens to
        feed, the nodes whose steps the feed completes)."""
        ctx, i = req.ctx, req.node
        chain, j = [], i
        while j:
            chain.append(j)
            j = ctx.parents[j]
        own = [ctx.prompt_ids[-1]] + ctx.ids[i]
        pieces, used, complete = [], 0, []
        for m, j in enumerate([0] + chain[::-1]):
            kv = ctx.node_kv.get(j) if ctx.kv is not None else None
            have, size = (kv[0][0].shape[1] if kv else 0), span(ctx, j)[1] - span(ctx, j)[0]
            if kv:
                pieces.append(kv)
                used += have
            if have < size:
                complete = ([0] + chain[::-1])[m:]
                break
        if not complete:
            used -= 1  # all cached: the last token is fed again (its column left out) for its logits
        used = min(used, len(own) - 1 - req.scored)  # a scored token needs the logits before it
        return pieces, used, own[used:], complete

    def submit(self, ticket):
        """Join a ticket: each request becomes one row that feeds its path (Request says what is
        filled in as its rows end)."""
        ticket.left = len(ticket.requests)
        for req in ticket.requests:
            req.rows, req.logps = [None] * req.n, []
            ctx = req.ctx
            prefix = ctx.kv if ctx.kv is not None else encode_prompt(self.model, ctx.prompt_ids, ctx.stats)[0]
            pieces, used, feed, complete = self.context(req)
            self._room(1, used)
            s, c = self.n, self.end
            for li in range(self.n_layers if used else 0):  # the cached steps, in path order, fill [c - used, c)
                self.keys[li][s, :, c - used:c] = torch.cat([piece[li][0] for piece in pieces], 1)[:, :used]
                self.values[li][s, :, c - used:c] = torch.cat([piece[li][1] for piece in pieces], 1)[:, :used]
            self.mask[s] = False
            self.mask[s, c - used:c] = True
            self.pos[s] = len(ctx.prompt_ids) - 1 + used
            self.rows[s] = Row(ticket, req, 0, prefix, c - used, feed, complete)
            self.n += 1
            self.lo = min(self.lo, c - used) if self.n > 1 else c - used
            ctx.stats["prompt_tokens" if ctx.kv is None else "text_tokens"] += len(feed)

    # -- leaving

    def _keep_nodes(self, s, written):
        """KV of the fed steps of row s (its own columns up to `written`), kept for their nodes."""
        r = self.rows[s]
        ctx = r.req.ctx
        if ctx.kv is None:
            return
        for j in r.complete:
            a, b = span(ctx, j)
            b = min(b, written - r.start)
            have = ctx.node_kv.get(j)
            if b > a and (not have or have[0][0].shape[1] < b - a):
                ctx.node_kv[j] = [(k[s, :, r.start + a:r.start + b].clone(), v[s, :, r.start + a:r.start + b].clone())
                                  for k, v in zip(self.keys, self.values)]

    def _finish(self, s, ended, done):
        r = self.rows[s]
        req = r.req
        kv = None
        if req.keep_kv and r.gen_start is not None:
            fed, g = len(r.tokens) - (not ended), r.gen_start  # a row cut by its budget never fed its last token
            kv = [(k[s, :, g:g + fed].clone(), v[s, :, g:g + fed].clone()) for k, v in zip(self.keys, self.values)]
        if req.n:
            req.rows[r.index] = (r.tokens, r.logps, ended, kv)
        if all(x is not None for x in req.rows):  # n = 0: its one feeding row
            r.ticket.left -= 1
            if r.ticket.left == 0:
                done.append(r.ticket)

    # -- one step

    @torch.no_grad()
    def step(self):
        """One token for every live row (fed or sampled); returns the tickets whose requests are all done."""
        if not self.n:
            return []
        logp, picked = self._pick() if self.last is not None else (None, None)
        inputs, leaving, fed_out, done = self._advance(logp, picked)
        where = list(range(self.n))  # which row of this step sits in each slot as _free moves them
        for s in sorted(leaving, reverse=True):  # from the end: the row moved in is never a leaving one
            self._free(s)
            where[s] = where[-1]
            where.pop()
        if self.n:
            self._forward([inputs[w] for w in where])
            self._fork([where.index(s) for s in fed_out])
        return done

    def _pick(self):
        """(log-probs at the sampling temperature, the token each row takes): the argmax, or for the
        rows of a request with a generator a sample, drawn for its rows in row order."""
        n = self.n
        logits = self.last[:n]
        if self.sampling.repetition_penalty != 1.0:  # sampled rows only: greedy play-outs stay the policy's own
            logits = logits.clone()
            for s in range(n):
                r = self.rows[s]
                if not r.feed and r.req.generator is not None:
                    ctx = r.req.ctx
                    seen = torch.tensor(sorted(set(ctx.prompt_ids + ctx.ids[r.req.node] + r.tokens)), device=logits.device)
                    logits[s] = repetition_penalty(logits[s], seen, self.sampling.repetition_penalty)
        logp, kept = sampling_logps(logits, self.sampling)
        picked = kept.argmax(-1)
        groups = {}
        for s in range(n):
            r = self.rows[s]
            if not r.feed:
                groups.setdefault(id(r.req), []).append(s)
        for slots in groups.values():
            gen = self.rows[slots[0]].req.generator
            if gen is not None:
                idx = torch.tensor(sorted(slots, key=lambda s: self.rows[s].index), device=picked.device)
                picked[idx] = torch.multinomial(kept[idx].exp(), 1, generator=gen).squeeze(1)
        return logp, picked

    def _advance(self, logp, picked):
        """Every row's input token: the next path token it feeds, or the token it picked. Returns
        (inputs, rows that end now, rows that fed their last path token, tickets done)."""
        n, done = self.n, []
        if picked is not None:
            picked_logp = logp.gather(1, picked[:, None]).squeeze(1).tolist()
            tokens = picked.tolist()
        inputs, leaving, fed_out = [0] * n, [], []
        for s in range(n):
            r = self.rows[s]
            req = r.req
            if r.feed:
                token = r.feed.pop(0)
                if r.fed and len(r.feed) < req.scored:  # one of the last `scored` tokens
                    req.logps.append(logp[s, token].item())
                r.fed += 1
                inputs[s] = token
                if not r.feed:
                    if req.n == 0:  # scored only: its last token need not run
                        self._keep_nodes(s, self.end)
                        self._finish(s, True, done)
                        leaving.append(s)
                    else:
                        fed_out.append(s)
                continue
            ended = tokens[s] in self.stop_ids
            if not ended:
                r.tokens.append(tokens[s])
                r.logps.append(picked_logp[s])
            inputs[s] = tokens[s]
            if ended or len(r.tokens) >= req.max_new:
                self._finish(s, ended, done)
                leaving.append(s)
        return inputs, leaving, fed_out, done

    def _forward(self, inputs):
        """The model on one new column for every live row, attending through cascade.cascade_attention."""
        self._room(0, 0)
        groups, common_rows = {}, []  # rows by the prompt whose KV they share; rows with the shared prefix
        for s in range(self.n):
            r = self.rows[s]
            groups.setdefault(id(r.prefix), (r.prefix, []))[1].append(s)
            if r.req.ctx.same:
                common_rows.append(s)
        dev = self.pos.device
        self.mask[:self.n, self.end] = True
        cache = DynamicCache()
        cache.layers = [cascade.SlotLayer(self, li) for li in range(self.n_layers)]
        ctx = {"mask": self.mask[:self.n, self.lo:self.end + 1],
               "groups": [(torch.tensor(rows, device=dev), prefix) for prefix, rows in groups.values()],
               "order": torch.tensor([s for _, rows in groups.values() for s in rows], device=dev),
               "shared": (torch.tensor(common_rows, device=dev), self.shared["kv"]) if common_rows else None}
        out = self.model(input_ids=torch.tensor(inputs, device=dev)[:, None], position_ids=self.pos[:self.n, None],
                         past_key_values=cache, use_cache=True, itool_rows=ctx)
        if self.last is None or self.last.shape[0] < self.keys[0].shape[0]:
            last = out.logits.new_zeros(self.keys[0].shape[0], out.logits.shape[-1], dtype=torch.float32)
            if self.last is not None:
                last[:self.last.shape[0]] = self.last
            self.last = last
        self.last[:self.n] = out.logits[:, -1].float()
        self.pos[:self.n] += 1
        self.end += 1

    def _fork(self, slots):
        """Rows that fed their whole path: keep their steps' KV, and fork each into its request's rows."""
        for s in slots:
            self._keep_nodes(s, self.end)
            r = self.rows[s]
            r.gen_start = self.end
            self._room(r.req.n - 1, 0)
            for index in range(1, r.req.n):
                self._copy(s, self.n)
                self.rows[self.n] = replace(r, index=index, tokens=[], logps=[])
                self.n += 1


def shared_prefix(model, prompts):
    """The prefix all prompts of a run share (BFCL's system prompt up to the tools), with its KV:
    {"ids", "kv"}, or {} when they share fewer than 16 tokens. All, not the first two: two cases
    with the same tools would otherwise share a prefix no other prompt starts with."""
    if len(prompts) < 2:
        return {}
    lo, hi = min(prompts), max(prompts)  # lexicographic: what these two share, all between them share
    same = next((i for i, (a, b) in enumerate(zip(lo, hi)) if a != b), min(len(lo), len(hi)))
    same = min(same, min(map(len, prompts)) - 2)  # every prompt keeps tokens of its own
    if same < 16:
        return {}
    return {"ids": lo[:same], "kv": encode_prompt(model, lo[:same + 1], {"prompt_tokens": 0})[0]}


def drive(batch, starts, width, on_end):
    """Run coroutines that ask for generations over one RowBatch: each yields lists of Requests
    and is resumed once all of them are done. `starts` gives (key, coroutine) pairs, pulled as
    room frees up (at most `width` alive); on_end(key, what the coroutine returned) as each ends.
    The model attends through cascade.py's attention meanwhile, through its own attention afterwards."""
    starts, live = iter(starts), 0

    def advance(owner):
        """Run a coroutine to its next requests (True: submitted) or its end (False)."""
        key, co = owner
        while True:
            try:
                reqs = co.send(None)
            except StopIteration as end:
                on_end(key, end.value)
                return False
            if reqs:
                batch.submit(Ticket(reqs, owner=owner))
                return True

    with cascade.attention(batch.model):
        while True:
            while live < width and (owner := next(starts, None)) is not None:
                live += advance(owner)
            if not live:
                return
            for ticket in batch.step():
                live -= 1
                live += advance(ticket.owner)


def greedy(model, prompts, max_new_tokens, stop_ids, rows=16, on_done=None):
    """Greedy continuations (token ids, cut before a stop token) of `prompts` (token ids), up to
    `rows` decoded at once: a prompt joins as soon as a row ends, its KV computed alone; the
    prefix all prompts share is computed once. on_done(index, tokens) as each one ends."""
    shared = shared_prefix(model, prompts)
    out = [None] * len(prompts)

    def answer(i):
        ctx = Context(prompts[i])
        ctx.kv, ctx.same = encode_prompt(model, prompts[i], ctx.stats, shared)
        req = Request(ctx, 0, 1, max_new=max_new_tokens)
        yield [req]
        return req.rows[0][0]

    def end(i, tokens):
        out[i] = tokens
        if on_done is not None:
            on_done(i, tokens)
    drive(RowBatch(model, Sampling(), stop_ids, shared), ((i, answer(i)) for i in range(len(prompts))), rows, end)
    return out
